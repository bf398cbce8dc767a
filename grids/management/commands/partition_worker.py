import logging
import os
import signal
import socket
import threading

from django.core.management.base import BaseCommand

from grids.services import partition_worker_run


class Command(BaseCommand):
    help = (
        "Compute queued partition runs (the map's 'partition' button) until stopped. "
        "`make serve` starts one; without a live worker the web server computes runs itself."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="compute the runs queued now, then exit"
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            metavar="SECONDS",
            help="how often to look for queued runs (default 1)",
        )
        parser.add_argument(
            "--name",
            default=f"{socket.gethostname()}:{os.getpid()}",
            help="worker name shown on the runs (default host:pid)",
        )

    def handle(self, *args, **opts):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        stop = threading.Event()

        def finish(signum, frame):  # the run being computed is finished first
            self.stdout.write(f"partition worker {opts['name']}: stopping")
            stop.set()

        previous = {s: signal.signal(s, finish) for s in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"partition worker {opts['name']}: waiting for runs")
        try:
            done = partition_worker_run(
                opts["name"], once=opts["once"], poll=opts["poll"], stop=stop
            )
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        self.stdout.write(f"partition worker {opts['name']}: {done} runs computed")
