"""What a bad filter value gets: one clear sentence per problem, named by its parameter."""


class FilterError(ValueError):
    """Bad filter values; `messages` holds one clear sentence per problem, and `params` the
    same sentences under the query parameter each is about (the API's 422 names them)."""

    def __init__(self, messages: list[str], params: dict[str, list[str]] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.params = params or {}


class Problems(list[str]):
    """Messages in order, each also kept under the parameter it is about."""

    def __init__(self) -> None:
        super().__init__()
        self.by_param: dict[str, list[str]] = {}

    def add(self, param: str, message: str) -> None:
        self.append(message)
        self.by_param.setdefault(param, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise FilterError(list(self), self.by_param)
