"""The municipality's triage settings: routing rules (`rules`) and the gazetteer (`gazetteer`)."""
