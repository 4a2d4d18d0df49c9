"""Pure types and rules of the bank's domain. Imports nothing from the rest of bankcrm."""
