from django.contrib import admin

from veche.publishing.models import OfficialPage, PageComment, Post, PostTemplate, Publication


@admin.register(OfficialPage)
class OfficialPageAdmin(admin.ModelAdmin[OfficialPage]):
    list_display = ["name", "network", "municipality", "category", "is_active"]
    list_filter = ["network", "category", "is_active"]


@admin.register(PostTemplate)
class PostTemplateAdmin(admin.ModelAdmin[PostTemplate]):
    list_display = ["title", "municipality", "from_region", "is_mandatory", "due_at"]
    filter_horizontal = ["topics"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ["page", "scheduled_at", "state", "attempts", "published_at"]
    list_filter = ["state"]
    readonly_fields = ["remote_id", "remote_url", "published_at", "claim", "claimed_at"]


admin.site.register(Publication)
admin.site.register(PageComment)
