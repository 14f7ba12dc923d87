"""Server-rendered HTML pages.

Ids in paths (`/deals/{deal_id:int}`) are read by `DatabaseId`, registered here before any
page module declares a route: an id past what the database's integer holds names nothing (a
404 like any unknown id), where the database would refuse the query.
"""

from starlette.convertors import IntegerConvertor, register_url_convertor

from app.inputs.types import MAX_ID


class DatabaseId(IntegerConvertor):
    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"  # longer: no route matches, a 404

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0  # no record has id 0


register_url_convertor("int", DatabaseId())
