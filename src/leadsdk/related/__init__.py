"""Records that hang off a lead: notes, activities, connections, and the autofill of lead columns
from related records (record-event listeners in `rules`)."""
