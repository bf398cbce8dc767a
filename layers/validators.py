"""Upload checks for visit photos: images only, size-limited, content verified by Pillow."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHOTO_MAX_BYTES = 5 * 1024 * 1024  # = FILE_UPLOAD_MAX_MEMORY_SIZE: a phone photo, compressed
PHOTO_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}

PHOTO_TOO_LARGE = _("The photo is larger than 5 MB.")
PHOTO_NOT_IMAGE = _("The photo must be a JPEG, PNG or WebP image.")


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
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image") from exc
    finally:
        upload.seek(0)
    if kind != expected:
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image")
