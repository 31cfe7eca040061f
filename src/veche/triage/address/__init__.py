"""Finding places in a citizen's free Russian text: streets with house numbers, settlements,
landmarks. Rules over precompiled regular expressions, with pymorphy3 to bring inflected names
back to the nominative; `veche.triage.places` is the public entry point."""
