from veche.triage.views import gazetteer, rules

app_name = "triage"
urlpatterns = [*rules.urlpatterns, *gazetteer.urlpatterns]
