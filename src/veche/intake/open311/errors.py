"""The spec's error response: an HTTP status and one description per problem."""


class Open311Error(Exception):
    """Rendered as `[{"code": 400, "description": "…"}]` or `<errors><error>…</error></errors>`."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions or ("Ошибка запроса.",)
