"""Photo uploads (visits, incidents): images only, size- and pixel-limited, content verified by
Pillow, then re-encoded without metadata and resized (``photo_clean``)."""

import io
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

PHOTO_MAX_BYTES = 5 * 1024 * 1024  # = FILE_UPLOAD_MAX_MEMORY_SIZE: a phone photo, compressed
PHOTO_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
# The largest photo phone cameras save by default: 50-megapixel sensors, 8,160 x 6,144.
# An image declaring more is refused before it is decoded (a decompression bomb: a small
# file that unpacks to gigabytes); Pillow's own limit is 89 MP.
PHOTO_MAX_PIXELS = 51_000_000
PHOTO_SIDE_PX = 1600  # kept photos: long side at most this (legible on a phone and in print)
PHOTO_JPEG_QUALITY = 85  # Pillow's scale; ~300 KB at 1600 px

PHOTO_TOO_LARGE = _("The photo is larger than 5 MB.")
PHOTO_NOT_IMAGE = _("The photo must be a JPEG, PNG or WebP image.")
PHOTO_TOO_MANY_PIXELS = _("The photo has more than 50 million pixels.")


def validate_photo(upload) -> None:
    if not upload:
        return
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(PHOTO_TOO_LARGE, code="too_large")
    expected = PHOTO_EXTENSIONS.get(PurePath(upload.name).suffix.lower())
    if expected is None:
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image")
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError(PHOTO_TOO_MANY_PIXELS, code="too_many_pixels")
            image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(PHOTO_TOO_MANY_PIXELS, code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image") from exc
    finally:
        upload.seek(0)
    if kind != expected:
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image")


def photo_clean(upload) -> ContentFile:
    """A validated photo as a new JPEG: turned upright (EXIF orientation), at most
    PHOTO_SIDE_PX on its long side, no metadata (GPS position, camera, time) kept."""
    from PIL import Image, ImageOps

    validate_photo(upload)
    upload.seek(0)
    with Image.open(upload) as image:
        upright = ImageOps.exif_transpose(image)
        upright = upright.convert("RGB")  # drops alpha and palettes; JPEG has neither
        upright.thumbnail((PHOTO_SIDE_PX, PHOTO_SIDE_PX))
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="photo.jpg")
