"""Stock and deliveries: rested masterbatch and final batch by location (first in, first out,
alarms before the maximum age), deliveries of released compound to its member, and the
certificate of analysis of each delivery."""
