"""The blocks editors build pages from.

`BodyBlock` is the one StreamBlock every page body uses, so a new block (the shop's featured
product, for instance) is added in one place. Each block has its own template under
`templates/cms/blocks/`, a description and a preview value for the admin's block picker.
"""

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageBlock

from cms import embeds
from shop.blocks import DeliveryChargesBlock, FeaturedProductBlock

INLINE_FEATURES = ["bold", "italic", "link"]
PARAGRAPH_FEATURES = ["bold", "italic", "link", "ol", "ul", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=160)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")],
        default="h2",
        help_text="Posts and pages already have the title as their only top-level heading.",
    )

    class Meta:
        icon = "title"
        template = "cms/blocks/heading_block.html"
        description = "A heading that starts a section of the text."
        preview_value = {"text": "What the report actually says", "level": "h2"}


class QuoteBlock(blocks.StructBlock):
    """A passage quoted from another article, credited and, where it has one, linked."""

    quote = blocks.RichTextBlock(features=INLINE_FEATURES)
    attribution = blocks.CharBlock(
        max_length=200, help_text="Who said or wrote it, e.g. the reporter or the paper."
    )
    source_title = blocks.CharBlock(
        max_length=300, required=False, help_text="Title of the article or book quoted."
    )
    source_url = blocks.URLBlock(required=False, help_text="Link to the article quoted.")

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote_block.html"
        description = "A block quote from another article, with its author and source."
        preview_value = {
            "quote": "<p>The kitchen was found to be in generally good order.</p>",
            "attribution": "The Evening Courier",
            "source_title": "Inspection report published",
            "source_url": "https://example.com/news/inspection",
        }


class FigureBlock(blocks.StructBlock):
    """An image with alt text (from the image block) and an optional caption."""

    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=300)

    def bulk_to_python(self, values):
        # One query for the renditions of every image in the body, however many there are.
        struct_values = super().bulk_to_python(values)
        pictured = [value["image"] for value in struct_values if value["image"]]
        prefetch_related_objects(pictured, "renditions")
        return struct_values

    def get_preview_value(self):
        """The block picker shows the newest picture in the image library, so editors see the
        block as their site draws it (with an empty library, only the caption)."""
        image = get_image_model().objects.order_by("-created_at", "-pk").first()
        return self.normalize(
            {
                "image": {"image": image, "decorative": False, "alt_text": ""},
                "caption": "A caption says what the picture shows, or where it comes from.",
            }
        )

    class Meta:
        icon = "image"
        template = "cms/blocks/figure_block.html"
        description = "An image with alternative text for screen readers and a caption."


class VideoEmbedValue(blocks.StructValue):
    @cached_property
    def embed(self):
        """The provider's player, or None; an embed prefetched for the whole body saves the
        lookup."""
        return getattr(self, "prefetched_embed", None) or embeds.find_embed(self["url"])

    @cached_property
    def player_url(self) -> str | None:
        return embeds.player_url(self.embed)

    @property
    def link_text(self) -> str:
        if self["title"]:
            return self["title"]
        if self.embed is not None and self.embed.title:
            return self.embed.title
        return self["url"]


class VideoEmbedBlock(blocks.StructBlock):
    """A video or other oEmbed link. When the provider cannot be reached it is a plain link."""

    url = blocks.URLBlock(help_text="Address of the video, e.g. a YouTube or Vimeo page.")
    title = blocks.CharBlock(
        required=False, max_length=200, help_text="Shown as the link text if the player is down."
    )
    caption = blocks.CharBlock(required=False, max_length=300)

    def bulk_to_python(self, values):
        struct_values = super().bulk_to_python(values)
        stored = embeds.prefetch_embeds(value["url"] for value in struct_values)
        for value in struct_values:
            value.prefetched_embed = stored.get(value["url"])
        return struct_values

    class Meta:
        icon = "media"
        template = "cms/blocks/video_embed_block.html"
        value_class = VideoEmbedValue
        description = "A video (YouTube, Vimeo...) shown as a player, or as a link if it can't be."
        preview_value = {
            "url": "https://www.youtube.com/watch?v=1bRPYJZIMSg",
            "title": "A song to end on",
            "caption": "",
        }


class SeparatorBlock(blocks.StaticBlock):
    class Meta:
        icon = "minus"
        template = "cms/blocks/separator_block.html"
        admin_text = "A break between sections, shown as three asterisks."
        description = "A break between sections of a post (the *** of a manuscript)."
        preview_value = None  # a static block has no value; its template is the preview


class CalloutBlock(blocks.StructBlock):
    TONES = [("note", "Note"), ("update", "Update"), ("warning", "Warning")]

    tone = blocks.ChoiceBlock(choices=TONES, default="note")
    title = blocks.CharBlock(required=False, max_length=120)
    text = blocks.RichTextBlock(features=PARAGRAPH_FEATURES)

    class Meta:
        icon = "warning"
        template = "cms/blocks/callout_block.html"
        description = "A boxed note set apart from the text, such as a correction or an update."
        preview_value = {
            "tone": "update",
            "title": "Update",
            "text": "<p>The council replied after this post went out.</p>",
        }


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=PARAGRAPH_FEATURES,
        icon="pilcrow",
        template="cms/blocks/paragraph_block.html",
        description="Body text with bold, italic, links and lists.",
        preview_value="<p>Long-form writing, the heart of every post.</p>",
    )
    quote = QuoteBlock()
    image = FigureBlock()
    embed = VideoEmbedBlock()
    separator = SeparatorBlock()
    callout = CalloutBlock()
    product = FeaturedProductBlock()


class StandardPageBodyBlock(BodyBlock):
    """A standard page's body: a post's blocks, and the shop's delivery charges for the
    delivery page."""

    delivery_charges = DeliveryChargesBlock()


class NavigationLinkValue(blocks.StructValue):
    """Link logic lives here so templates only ask for `href` and `text`."""

    @property
    def href(self) -> str:
        """Where the link goes; empty when its page was deleted or unpublished, so menus
        skip it rather than show a dead link."""
        page = self.get("page")
        if page is not None:
            return page.url if page.live else ""
        return self.get("url") or ""

    @property
    def text(self) -> str:
        if self.get("label"):
            return self["label"]
        page = self.get("page")
        return page.title if page is not None else self.get("url", "")


class NavigationLinkBlock(blocks.StructBlock):
    """A menu link to a page in the tree or to any URL (such as the shop's, outside the tree)."""

    label = blocks.CharBlock(required=False, max_length=60, help_text="Defaults to page title.")
    page = blocks.PageChooserBlock(required=False)
    url = blocks.CharBlock(
        required=False, max_length=300, help_text="A path like /shop/ or a full address."
    )
    show_basket_count = blocks.BooleanBlock(
        required=False, help_text="Show the visitor's basket item count beside this link."
    )

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise StructBlockValidationError(
                block_errors={
                    "url": ValidationError("Choose either a page or a URL, and only one of them.")
                }
            )
        return value

    class Meta:
        icon = "link"
        value_class = NavigationLinkValue
        form_classname = "navigation-link-block"
