"""The analytics JSON API, `/api/v1/analytics/…`: one sub-router per page family."""

from ninja import Router

from veche.analytics.api import dashboard, growth, heatmap, ratings

router = Router(tags=["аналитика"])
router.add_router("", dashboard.router)
router.add_router("", heatmap.router)
router.add_router("", growth.router)
router.add_router("", ratings.router)
