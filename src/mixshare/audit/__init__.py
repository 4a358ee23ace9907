"""Who changed what and when, and who tried to see what was not theirs."""
