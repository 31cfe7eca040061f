"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) under `/open311/v2/`.

Any GeoReport v2 client (FixMyStreet, a city app, a kiosk) reports a problem to a Veche
municipality and follows its status. Decisions, each explained where it is made:

- `jurisdiction_id` is the municipality's ОКТМО code; optional when it can be inferred
  (`selectors.jurisdiction`).
- `api_key` is a Veche API token (`veche apitoken NAME --user USER`); its user needs the
  municipality-wide intake right that `POST /api/v1/cases` also requires (`views.submit`).
- `service_code` is the id of a level-1 topic of the rubricator (`selectors.service_topics`).
- `service_request_id` is the case id (numeric, URL-safe, unique across municipalities); the
  registration number is told in `service_notice`.
- A created case is a message (`Regime.MESSAGE`, 547-ФЗ: the author is not identified) of the
  channel `open311`; its external id is the `token` returned with the id (`services`).
- Reads are a public projection of the Open311 cases of one municipality with no personal data
  (`selectors.public_requests`, `present.request_out`).
"""
