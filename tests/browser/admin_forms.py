"""Filling Wagtail admin forms in a browser the way an editor does, for any page type or block.

What to type is decided from the form Wagtail builds for the model (its widgets) and from the
StreamField's block definitions, so a new page type or a new block made of the usual parts is
exercised without changing the tests. A widget or block kind this module has never met fails
loudly with its name, rather than being skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from playwright.sync_api import Page, expect
from wagtail import blocks
from wagtail.admin.widgets import AdminDateInput, AdminPageChooser
from wagtail.admin.widgets.tags import AdminTagWidget
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.images.widgets import AdminImageChooser
from wagtail.snippets.blocks import SnippetChooserBlock
from wagtail.snippets.widgets import AdminSnippetChooser

IMAGE_TITLE = "Towpath in the mist"  # a picture the demo loader adds to the library
PRODUCT_TITLE = "Dirty Old Town tote bag"


@dataclass
class Filled:
    """What was typed into a form, so the test can look for it on the published page."""

    texts: list[str] = field(default_factory=list)
    blocks: dict[str, list[str]] = field(default_factory=dict)  # stream field name -> block types

    def text(self, value: str) -> str:
        self.texts.append(value)
        return value


def content_fields(model) -> list[str]:
    """The form fields on the page type's first tab (what editors write), in panel order."""
    edit_handler = model.get_edit_handler()
    content = edit_handler.children[0]
    return list(content.get_form_options().get("fields", []))


class AdminForm:
    """One Wagtail edit form open in `page`."""

    def __init__(self, page: Page, filled: Filled | None = None):
        self.page = page
        self.filled = filled or Filled()

    # Model fields, by the widget Wagtail gives them.

    def fill_fields(self, model, form_class, names: list[str], marker: str) -> Filled:
        for name in names:
            if name in {"title", "slug"}:
                continue
            form_field = form_class.base_fields[name]
            self.fill_field(model, name, form_field, marker)
        return self.filled

    def fill_field(self, model, name: str, form_field, marker: str) -> None:
        widget = form_field.widget
        input_id = f"id_{name}"
        model_field = model._meta.get_field(name)
        if isinstance(model_field, StreamField):
            self.fill_stream(name, model_field.stream_block, marker)
        elif isinstance(widget, AdminImageChooser):
            self.choose(input_id, IMAGE_TITLE)
        elif isinstance(widget, AdminPageChooser | AdminSnippetChooser):
            self.choose(input_id, None)
        elif isinstance(widget, AdminTagWidget):
            tag = self.filled.text(f"{marker}-tag")
            tags = self.page.locator(f"[data-field-input]:has(#{input_id}) .tagit-new input")
            tags.press_sequentially(tag)
            tags.press("Enter")
            expect(self.page.locator(f"#{input_id}")).to_have_value(tag)
        elif isinstance(widget, AdminDateInput):
            date_input = self.page.locator(f"#{input_id}")
            if not date_input.input_value():
                date_input.fill("2026-11-20")
                date_input.press("Escape")
        elif _is_rich_text(widget):
            self.type_rich_text(input_id, self.filled.text(f"{marker} {name} rich text."))
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            boxes = self.page.locator(f"input[name={name}]")
            if boxes.count() and not self.page.locator(f"input[name={name}]:checked").count():
                boxes.first.check()
        elif isinstance(widget, forms.CheckboxInput):
            return  # a yes/no an editor may leave as it is
        elif isinstance(widget, forms.Select):
            select = self.page.locator(f"#{input_id}")
            if not select.input_value():
                select.select_option(index=1)
        elif isinstance(widget, forms.HiddenInput):
            return  # nothing an editor sees (the choosers and editors above are hidden inputs)
        elif isinstance(widget, forms.Textarea | forms.TextInput):
            box = self.page.locator(f"#{input_id}")
            if not box.input_value():
                box.fill(self.filled.text(f"{marker} {name}"))
        else:
            raise NotImplementedError(f"No way to fill {name}: {type(widget).__name__}")

    def choose(self, input_id: str, title: str | None) -> None:
        """Pick an item in a chooser modal (image, page or snippet), unless one is chosen."""
        if self.page.locator(f"#{input_id}").input_value():
            return
        self.page.locator(f"#{input_id}-chooser .chooser__choose-button").click()
        choices = self.page.locator(
            ".modal-content a.image-choice, .modal-content a.choose-page, "
            ".modal-content a[data-chooser-modal-choice]"
        )
        if title:
            choices = choices.filter(has_text=title)
        choices.first.click()
        expect(self.page.locator(".modal-content")).to_have_count(0)
        # The chooser draws its choice a moment after the modal closes; a field typed into
        # before then can be drawn over, as a hurried editor's would.
        expect(self.page.locator(f"#{input_id}-chooser")).not_to_have_class(
            re.compile(r"\bblank\b")
        )
        assert self.page.locator(f"#{input_id}").input_value(), f"nothing chosen in {input_id}"
        self.page.wait_for_load_state("networkidle")

    def type_rich_text(self, input_id: str, text: str) -> None:
        editor = self.page.locator(f"#{input_id} ~ .Draftail-Editor__wrapper [role=textbox]")
        editor.click()
        editor.press("End")
        editor.press_sequentially(text)
        # Draftail writes to its form input a moment after the last key, as it would for
        # anyone who types and then reaches for the Save button.
        expect(self.page.locator(f"#{input_id}")).to_have_value(re.compile(re.escape(text)))

    # StreamField blocks, by their kind.

    def fill_stream(self, name: str, stream_block: blocks.StreamBlock, marker: str) -> None:
        """Append one of each block the stream offers, filled in, as an editor would."""
        root = self.page.locator(f"#{name}-root")
        count = root.locator(f"input[name={name}-count]")
        added = self.filled.blocks.setdefault(name, [])
        for block_name, block in stream_block.child_blocks.items():
            index = int(count.input_value())
            root.locator(".c-sf-add-button").last.click()
            self.page.get_by_role("option", name=str(block.label), exact=True).click()
            expect(count).to_have_value(str(index + 1))
            self.fill_block(f"{name}-{index}-value", block, f"{marker} {block_name}")
            added.append(block_name)

    def fill_block(self, prefix: str, block: blocks.Block, marker: str) -> None:
        if isinstance(block, ImageBlock):
            self.choose(f"{prefix}-image", IMAGE_TITLE)
            self.page.locator(f"#{prefix}-alt_text").fill(f"{marker} alt text")
        elif isinstance(block, blocks.StructBlock):
            for child_name, child in block.child_blocks.items():
                self.fill_block(f"{prefix}-{child_name}", child, f"{marker} {child_name}")
        elif isinstance(block, ImageChooserBlock):
            self.choose(prefix, IMAGE_TITLE)
        elif isinstance(block, SnippetChooserBlock):
            self.choose(prefix, PRODUCT_TITLE)
        elif isinstance(block, blocks.PageChooserBlock):
            self.choose(prefix, None)
        elif isinstance(block, blocks.RichTextBlock):
            self.type_rich_text(prefix, self.filled.text(f"{marker} in rich text."))
        elif isinstance(block, blocks.URLBlock):
            self.page.locator(f"#{prefix}").fill("https://example.org/" + marker.replace(" ", "-"))
        elif isinstance(block, blocks.ChoiceBlock):
            select = self.page.locator(f"#{prefix}")
            options = select.locator("option:not([value=''])")
            select.select_option(options.last.get_attribute("value"))
        elif isinstance(block, blocks.CharBlock | blocks.TextBlock):
            limit = block.field.max_length or 200
            box = self.page.locator(f"#{prefix}")
            box.click()
            box.press_sequentially(self.filled.text(marker[:limit]))
            box.press("Tab")  # leave the field, as an editor does before the next one
            expect(box).to_have_value(marker[:limit])
        elif isinstance(block, blocks.BooleanBlock | blocks.StaticBlock):
            return
        else:
            raise NotImplementedError(f"No way to fill a {type(block).__name__} at {prefix}")


def _is_rich_text(widget) -> bool:
    return type(widget).__name__ == "DraftailRichTextArea"
