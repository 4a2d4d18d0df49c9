"""Diagnosis (issue 4): a catalogue of rules over the analytics results that says what is wrong
with the customer structure, how sure we are, and what to do."""
