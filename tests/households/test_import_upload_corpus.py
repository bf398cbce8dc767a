"""The upload page on the corpus of malformed files (corpus.py): the review page reports the
importer's first error by row or feature and field, offers no confirm button, shows no
server path, and a forced confirm writes nothing and answers with the same report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from households.importing import ImportRejected
from tests.conftest import PASSWORD

from .conftest import unchanged_db
from .corpus import BAD, IMPORTERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, settings, tmp_path, make_user, five_households):
    """A county administrator (imports anywhere in the county: no township checks)."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    make_user("admin", username="boss")
    client.login(username="boss", password=PASSWORD)
    return client


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_upload_page_reports_the_bad_file(admin, settings, tmp_path, case):
    files = tmp_path / "files"
    files.mkdir()
    path = case.build(files)
    with pytest.raises(ImportRejected) as api:
        IMPORTERS[case.kind](path)
    first = escape(api.value.report.errors[0].shown())  # as the page words it
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = admin.post("/imports/", {"kind": case.kind, "file": upload, "crs": ""})
    assert response.status_code == 302
    review = response["Location"]
    for method, data in (("get", None), ("post", {"confirm": "1"})):
        with unchanged_db():
            page = getattr(admin, method)(review, data)
        html = page.content.decode()
        assert page.status_code == 200 and 'id="import-report"' in html
        assert first in html and 'name="confirm"' not in html
        assert str(settings.IMPORT_UPLOAD_DIR) not in html and "/vsizip/" not in html
