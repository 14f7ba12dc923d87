"""Example request bodies: shown on /api/docs, and sent by schemathesis in the test suite."""

from typing import Any

from fastapi import Body

NEW_DEAL = {
    "title": "Anthropic in talks to rent Microsoft capacity on Maia 200 chips",
    "deal_types": ["cloud_capacity"],
    "parties": [
        {"organization": "Anthropic", "role": "customer"},
        {"organization": "Microsoft", "role": "provider"},
    ],
    "hardware": [{"name": "Maia 200"}],
    "value_usd": "10B",
    "value_qualifier": "up_to",
    "first_reported_on": "2026-05",
    "confidence": "medium",
    "status": "in_talks",
    "source": {
        "publisher": "The Information",
        "tier": "original",
        "published_on": "2026-05-21",
        "url": "https://www.theinformation.com/",
    },
    "relay": {"publisher": "Odaily", "url": "https://www.odaily.news/"},
    "duplicate_decision": "new",
}


def example(summary: str, value: dict[str, Any]) -> Any:
    """A Body() carrying one named example."""
    return Body(openapi_examples={"example": {"summary": summary, "value": value}})


deal_create = example("The founding example, recorded as a new deal", NEW_DEAL)
deal_update = example(
    "Raise the confidence (send the version you read)",
    {"version": 1, "confidence": "high", "confidence_note": "Both companies confirmed."},
)
status_event = example(
    "Confirmed, on a new source",
    {
        "status": "confirmed",
        "effective_on": "2026-06",
        "note": "Signed, per both companies.",
        "source": {"publisher": "Reuters", "tier": "original", "url": "https://www.reuters.com/"},
    },
)
source = example(
    "An original report",
    {
        "publisher": "Bloomberg",
        "tier": "original",
        "title": "Talks reported",
        "published_on": "2026-05-22",
        "url": "https://www.bloomberg.com/",
    },
)
organization = example(
    "A neocloud",
    {
        "name": "Crusoe",
        "kind": "neocloud",
        "aliases": ["Crusoe Energy"],
        "country": "US",
        "website": "https://www.crusoe.ai/",
    },
)
organization_update = example(
    "Change the website (send the version you read)",
    {"version": 1, "website": "https://www.microsoft.com/"},
)
hardware = example(
    "A GPU", {"name": "MI355X", "vendor": "AMD", "type": "gpu", "family": "Instinct"}
)
hardware_update = example("Set the family", {"version": 1, "family": "Hopper"})
