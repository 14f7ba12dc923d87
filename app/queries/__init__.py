"""The read side: every query the pages, the API and the exports share."""
