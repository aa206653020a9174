"""The view state as plain data: selection, filters, slices, links, text diffs."""
