from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Editorial"

    def ready(self):
        from django.db.models.signals import post_delete
        from taggit.models import Tag
        from wagtail.images import get_image_model
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from cms import pagecache, related, renditions, sitedata
        from cms.models import NavigationSettings, SiteIdentity

        # Any editorial change can show on many pages (listings, tags, neighbours, menus), so
        # it retires every cached page; see cms.pagecache.
        def retire_pages(**kwargs):
            pagecache.invalidate(pagecache.SITE)

        page_published.connect(retire_pages, weak=False, dispatch_uid="quire-page-cache-publish")
        page_unpublished.connect(
            retire_pages, weak=False, dispatch_uid="quire-page-cache-unpublish"
        )
        post_page_move.connect(retire_pages, weak=False, dispatch_uid="quire-page-cache-move")
        post_delete.connect(
            retire_pages, sender=Page, weak=False, dispatch_uid="quire-page-cache-delete"
        )
        pagecache.invalidate_when_saved(
            [Site, Tag, get_image_model(), PageViewRestriction], pagecache.SITE
        )
        pagecache.invalidate_when_saved(
            [NavigationSettings, SiteIdentity], pagecache.SITE, except_created=True
        )
        related.connect()
        renditions.connect()
        sitedata.connect_invalidation(
            [NavigationSettings, SiteIdentity, Site, PageViewRestriction, get_image_model()]
        )
