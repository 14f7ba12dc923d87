"""Compute Deal Tracker: AI compute partnership deals, from first rumor to signed contract."""
