"""Editorial page types and the site-wide settings editors change in the Wagtail admin."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, Q, Subquery, prefetch_related_objects
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.html import strip_tags
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import Filter
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.rich_text import get_text_for_indexing
from wagtail.search import index

from cms import images, pagecache, routing, search, sitedata
from cms.blocks import INLINE_FEATURES, BodyBlock, NavigationLinkBlock, StandardPageBodyBlock
from cms.pagination import paginate
from cms.sitemaps import ListedAtTheVisitedAddress


class BasePage(ListedAtTheVisitedAddress, routing.RoutedPage, Page):
    """SEO and social-card fields every public page shares, kept in one place."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when the page is shared on social media. 1200×630 works best.",
    )
    social_text = models.CharField(
        max_length=300, blank=True, help_text="Text for social cards; defaults to the summary."
    )

    promote_panels = [
        *Page.promote_panels,
        MultiFieldPanel([FieldPanel("social_image"), FieldPanel("social_text")], "Social cards"),
    ]

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        # Every editorial page is the same for all readers, so it can be served from the cache.
        pagecache.cache_public_page(request)
        return super().get_context(request, *args, **kwargs)

    def absolute_url(self, request) -> str:
        """This page's full URL as the visitor reached the site; shared links, feeds and
        structured data all use it, so they always agree with the canonical URL."""
        return request.build_absolute_uri(self.get_url(request))

    @property
    def summary(self) -> str:
        """A plain-text description of the page for listings, meta tags and feeds: the
        search description, else the page's introduction as plain text."""
        return self.search_description or get_text_for_indexing(getattr(self, "intro", ""))

    @property
    def meta_description(self) -> str:
        return self.search_description or self.summary

    @property
    def card_text(self) -> str:
        return self.social_text or self.meta_description

    @property
    def card_image(self):
        return self.social_image

    @property
    def og_type(self) -> str:
        return "website"


class HomePage(BasePage):
    intro = RichTextField(features=INLINE_FEATURES, blank=True)
    featured_post = models.ForeignKey(
        "cms.BlogPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown first and large; the latest posts follow it.",
    )
    body = StreamField(
        BodyBlock(),
        blank=True,
        help_text="Anything else for the home page, such as featured products.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("featured_post"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.BlogIndexPage", "cms.StandardPage", "shop.PreOrderFormPage"]
    max_count = 1

    LATEST_POSTS = 6

    def route(self, request, path_components):
        routing.check_root_paths(request)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        pagecache.cache_public_page(request, pagecache.LISTINGS)
        context = super().get_context(request, *args, **kwargs)
        posts = BlogPage.objects.live().public().descendant_of(self).for_listing()
        # The featured post is looked up among live, public posts so an unpublished one never shows.
        featured = posts.filter(pk=self.featured_post_id).first() if self.featured_post_id else None
        if featured is not None:
            posts = posts.exclude(pk=featured.pk)
        context["featured_post"] = featured
        context["latest_posts"] = posts[: self.LATEST_POSTS]
        return context


class BlogIndexPage(RoutablePageMixin, BasePage):
    """The blog: newest posts first, with tag pages and a monthly archive."""

    intro = RichTextField(features=INLINE_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.BlogPage"]

    def posts(self):
        return BlogPage.objects.live().public().child_of(self).for_listing()

    def get_context(self, request, *args, **kwargs):
        pagecache.cache_public_page(request, pagecache.LISTINGS)
        return super().get_context(request, *args, **kwargs)

    def archive_months(self) -> list[dict]:
        """Each month that has posts, newest first, with its post count and the path of its
        archive page below the blog. Counting every post is the costliest part of a listing,
        so the result is kept with the site data (retired by any page change)."""

        def count_months():
            months = (
                BlogPage.objects.live()
                .public()
                .child_of(self)
                .annotate(month=TruncMonth("date"))
                .values("month")
                .annotate(count=Count("pk"))
                .order_by("-month")
            )
            # Labels are written once here: formatting a date in a template costs a
            # translation lookup each time, and a blog of 15 years has 180 months.
            return [
                {
                    **month,
                    "label": date_format(month["month"], "F Y"),
                    "path": self.reverse_subpage(
                        "archive", args=[month["month"].year, month["month"].month]
                    ),
                }
                for month in months
            ]

        return sitedata.cached(f"archive-months-labelled:{self.pk}", count_months)

    def render_listing(self, request, posts, empty_is_404=False, **extra):
        """Render one page of `posts`. Tag and month pages with no posts are 404s, so the
        space of crawlable listing URLs stays finite."""
        page_of_posts = paginate(request, posts, settings.QUIRE_POSTS_PER_PAGE)
        if empty_is_404 and not page_of_posts.paginator.count:
            raise Http404("No posts here.")
        return self.render(
            request,
            context_overrides={
                "posts": page_of_posts,
                "archive_months": self.archive_months(),
                "blog_url": self.get_url(request),
                "archive_path": "",  # the month shown, on a month's page
                **extra,
            },
        )

    @path("")
    def all_posts(self, request):
        return self.render_listing(request, self.posts())

    @path("tag/<str:tag>/", name="tag")
    def posts_by_tag(self, request, tag):
        tag = get_object_or_404(Tag, slug=tag)
        return self.render_listing(
            request,
            self.posts().filter(tags=tag),
            empty_is_404=True,
            tag=tag,
            description=f"Posts tagged “{tag.name}”, newest first.",
        )

    @path("archive/<int:year>/<int:month>/", name="archive")
    def posts_by_month(self, request, year, month):
        try:
            first_day = datetime.date(year, month, 1)
        except (ValueError, OverflowError) as exc:  # month 13, or a year past C's long
            raise Http404("No such month.") from exc
        posts = self.posts().filter(date__year=year, date__month=month)
        return self.render_listing(
            request,
            posts,
            empty_is_404=True,
            archive_month=first_day,
            archive_path=self.reverse_subpage("archive", args=[year, month]),
            description=f"Posts from {first_day:%B %Y}, newest first.",
        )


class BlogPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.BlogPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class BlogPageQuerySet(PageQuerySet):
    def public(self):
        """Wagtail's `public()` (no page with a view restriction, nor any page below one),
        with the restricted paths read from the cached list instead of queried on each call."""
        private = Q()
        for restricted in sitedata.restricted_paths():
            private |= Q(path__startswith=restricted)
        return self.exclude(private) if private else self

    def for_listing(self, *, with_body=False):
        """Newest first, with what a listing shows fetched up front (no query per post): the
        cover image and its renditions. The body (the bulk of each row) and the search
        vector are left in the database unless asked for (a feed carries each post whole)."""
        posts = (
            self.select_related("cover_image")
            .prefetch_related("cover_image__renditions")
            .order_by("-date", "-pk")
        )
        return posts.defer("search_vector") if with_body else posts.defer("body", "search_vector")


class BlogPage(BasePage):
    """A post: the writer's long-form article with quotes, images and videos."""

    date = models.DateField("Post date", default=datetime.date.today)
    author = models.CharField(max_length=120, blank=True)
    intro = models.TextField(
        "Summary",
        max_length=600,
        help_text="One or two sentences shown in listings, feeds, search results and cards.",
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = ClusterTaggableManager(through=BlogPageTag, blank=True)
    body = StreamField(BodyBlock())
    # The "Related posts" under the post, decided when it (or a post sharing its tags) is
    # published, never on a reader's view: over thousands of posts, ranking them by shared
    # tags is the slowest query a post would make. None until first decided (then each view
    # ranks them, as before); see cms.related.
    related_post_ids = models.JSONField(null=True, blank=True, editable=False)
    # Its words for site search on PostgreSQL, written on every save (cms.search); its GIN
    # index is made by migration 0006 on PostgreSQL only. Unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    # Counted on every save, so listings show "N min read" without loading each post's body.
    words = models.PositiveIntegerField(default=0, editable=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("author"), FieldPanel("tags")], "Byline"),
        FieldPanel("intro"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    parent_page_types = ["cms.BlogIndexPage"]
    subpage_types = []

    objects = PageManager.from_queryset(BlogPageQuerySet)()

    class Meta:
        # Listings, archives and previous/next all walk posts by date: with thousands of
        # posts, an index lets them read the few rows they show instead of sorting them all.
        indexes = [models.Index(fields=["date", "page_ptr"], name="cms_blogpage_by_date")]

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.words = count_words(self.body.raw_data)
            if update_fields is not None:
                kwargs["update_fields"] = update_fields = {*update_fields, "words"}
        super().save(*args, **kwargs)
        if update_fields is None or {"title", "intro", "body"} & set(update_fields):
            search.refresh_vectors([self])

    @property
    def summary(self) -> str:
        return self.intro

    @property
    def card_image(self):
        return self.social_image or self.cover_image

    @property
    def og_type(self) -> str:
        return "article"

    @cached_property
    def word_count(self) -> int:
        """The body's words: as stored at the last save when the body was not loaded (a
        listing), else counted now (a preview shows the draft's)."""
        if "body" in self.get_deferred_fields():
            return self.words
        return count_words(self.body.raw_data)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / settings.QUIRE_WORDS_PER_MINUTE))

    def siblings(self):
        return BlogPage.objects.live().public().sibling_of(self, inclusive=False)

    def neighbours(self) -> tuple[BlogPage | None, BlogPage | None]:
        """The previous (older) and next (newer) posts, found in one query."""
        older = Q(date__lt=self.date) | Q(date=self.date, pk__lt=self.pk)
        newer = Q(date__gt=self.date) | Q(date=self.date, pk__gt=self.pk)
        siblings = self.siblings()
        previous_pk = siblings.filter(older).order_by("-date", "-pk").values("pk")[:1]
        next_pk = siblings.filter(newer).order_by("date", "pk").values("pk")[:1]
        found = list(BlogPage.objects.filter(Q(pk=Subquery(previous_pk)) | Q(pk=Subquery(next_pk))))
        this = (self.date, self.pk)
        previous = next((post for post in found if (post.date, post.pk) < this), None)
        following = next((post for post in found if (post.date, post.pk) > this), None)
        return previous, following

    RELATED_POSTS = 3

    def rank_related_posts(self, tags) -> BlogPageQuerySet:
        """Other posts sharing the most tags with this one, newest first among equals."""
        if not tags:
            return BlogPage.objects.none()
        return (
            self.siblings()
            .filter(tags__in=[tag.pk for tag in tags])
            .annotate(shared_tags=Count("pk"))
            .order_by("-shared_tags", "-date", "-pk")
            .select_related("cover_image")[: self.RELATED_POSTS]
        )

    def decide_related_posts(self) -> bool:
        """Rank the related posts now and keep them (without a new revision: they are not
        the editor's content). True if they changed."""
        decided = list(self.rank_related_posts(self.tags.all()).values_list("pk", flat=True))
        changed = decided != self.related_post_ids
        if changed:
            BlogPage.objects.filter(pk=self.pk).update(related_post_ids=decided)
            self.related_post_ids = decided
        return changed

    def related_posts(self, tags, *, fresh: bool = False) -> list[BlogPage]:
        """The related posts decided at publishing, those still live and public, in their
        order; ranked now for a preview (`fresh`: the editor may have changed the tags) or a
        post never decided."""
        if fresh or self.related_post_ids is None:
            return list(self.rank_related_posts(tags))
        found = self.siblings().select_related("cover_image").in_bulk(self.related_post_ids)
        return [found[pk] for pk in self.related_post_ids if pk in found]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tags = list(self.tags.all())
        context["tags"] = tags
        context["blog_index"] = routing.parent_of(self)
        if self.pk is not None:  # a preview of a post not saved yet has no place among the rest
            context["previous_post"], context["next_post"] = self.neighbours()
            context["related_posts"] = self.related_posts(
                tags, fresh=getattr(request, "is_preview", False)
            )
        return context


def count_words(raw_body) -> int:
    """The words a reader reads in a StreamField's raw JSON (markup and block settings left
    out)."""
    return len(re.findall(r"\w+", strip_tags(" ".join(_strings_in(raw_body)))))


def _strings_in(data):
    """Every string inside a StreamField's raw JSON, for counting words."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            if key not in {"type", "id", "url", "source_url", "level", "tone"}:
                yield from _strings_in(value)
    elif isinstance(data, Sequence):
        for item in data:
            yield from _strings_in(item)


class StandardPage(BasePage):
    """A plain page such as About, Terms or Privacy."""

    intro = models.TextField(blank=True, max_length=600)
    body = StreamField(StandardPageBodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage", "shop.PreOrderFormPage"]

    @property
    def summary(self) -> str:
        return self.search_description or self.intro


@dataclass(frozen=True)
class MenuLink:
    """A menu entry as templates show it, resolved once when the menu is cached."""

    href: str
    text: str
    show_basket_count: bool = False


@register_setting(icon="list-ul")
class NavigationSettings(BaseSiteSetting):
    """The header and footer menus, shared by the blog and the shop."""

    header_links = StreamField([("link", NavigationLinkBlock())], blank=True)
    footer_links = StreamField([("link", NavigationLinkBlock())], blank=True)

    panels = [FieldPanel("header_links"), FieldPanel("footer_links")]

    class Meta:
        verbose_name = "navigation"

    @cached_property
    def header_menu(self) -> list[MenuLink]:
        return _menu(self.header_links)

    @cached_property
    def footer_menu(self) -> list[MenuLink]:
        return _menu(self.footer_links)

    def linked_page_ids(self) -> set[int]:
        """The pages the menus link to (their titles and addresses show on every page)."""
        links = [*self.header_links.raw_data, *self.footer_links.raw_data]
        return {link["value"]["page"] for link in links if link["value"].get("page")}

    def prepare_for_cache(self):
        # The page links' URLs and titles are resolved now, so a cached menu costs no query.
        self.header_menu, self.footer_menu  # noqa: B018
        return self


def _menu(links) -> list[MenuLink]:
    """The links that lead somewhere (a link to an unpublished page is left out)."""
    return [
        MenuLink(link.value.href, link.value.text, bool(link.value.get("show_basket_count")))
        for link in links
        if link.value.href
    ]


@register_setting(icon="site")
class SiteIdentity(BaseSiteSetting):
    """What the site says about itself in the header, footer and social cards."""

    tagline = models.CharField(max_length=160, blank=True)
    footer_text = models.CharField(max_length=300, blank=True)
    twitter_handle = models.CharField(
        max_length=30, blank=True, help_text="Without the @, for Twitter/X cards."
    )
    default_social_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The writer, introduced under each post: a one-writer site needs one, set once here.
    author_name = models.CharField(
        "name",
        max_length=120,
        blank=True,
        help_text="Shown under every post whose byline is empty or this name. Leave empty to "
        "show no box.",
    )
    author_bio = RichTextField("short bio", features=INLINE_FEATURES, blank=True, max_length=600)
    author_photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="picture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Square works best; shown small and round.",
    )
    author_website = models.URLField("website", blank=True)
    author_mastodon = models.URLField(
        "Mastodon profile",
        blank=True,
        help_text="Such as https://mastodon.social/@you. Linked with rel=me, so Mastodon can "
        "verify this site as yours.",
    )
    author_bluesky = models.URLField(
        "Bluesky profile", blank=True, help_text="Such as https://bsky.app/profile/you.bsky.social"
    )

    panels = [
        FieldPanel("tagline"),
        FieldPanel("footer_text"),
        MultiFieldPanel(
            [FieldPanel("twitter_handle"), FieldPanel("default_social_image")], "Social cards"
        ),
        MultiFieldPanel(
            [
                FieldPanel("author_name"),
                FieldPanel("author_bio"),
                FieldPanel("author_photo"),
                FieldPanel("author_website"),
                FieldPanel("author_mastodon"),
                FieldPanel("author_bluesky"),
            ],
            "About the writer",
        ),
    ]

    class Meta:
        verbose_name = "site identity"

    def writes(self, post: BlogPage) -> bool:
        """Whether the writer's box belongs under `post`: not under a guest's byline."""
        return bool(self.author_name) and post.author.strip() in {"", self.author_name}

    @property
    def author_links(self) -> list[tuple[str, str, str]]:
        """(label, URL, rel) for each of the writer's profiles that is filled in."""
        links = [
            ("Website", self.author_website, "me"),
            ("Mastodon", self.author_mastodon, "me"),
            ("Bluesky", self.author_bluesky, "me"),
        ]
        return [link for link in links if link[1]]

    def prepare_for_cache(self):
        # Fetched now, so they are cached with the rest: the images, and the writer's picture
        # at the sizes the post shows it (made now if need be), so a post asks for none.
        self.default_social_image  # noqa: B018
        if self.author_photo is not None:
            self.author_photo.get_renditions(*Filter.expand_spec(images.AUTHOR_PHOTO))
            prefetch_related_objects([self.author_photo], "renditions")
        return self
