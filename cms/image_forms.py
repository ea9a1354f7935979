"""The admin's image form: Wagtail's, with a refusal of too large a picture that an editor can
act on."""

from django.conf import settings
from wagtail.images.forms import BaseImageForm


class ImageForm(BaseImageForm):
    """Says how large an upload may be in megapixels and what to do, instead of Wagtail's terse
    "too many pixels" (WAGTAILIMAGES_MAX_IMAGE_PIXELS sets the limit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            megapixels = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS // 1_000_000
            self.fields["file"].error_messages["file_too_many_pixels"] = (
                "This image has %(num_pixels)s pixels; images of up to "
                f"{megapixels} megapixels (%(max_pixels_count)s pixels) can be uploaded. "
                "Scale it down and upload it again."
            )
