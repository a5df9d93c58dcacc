def from_other = "other file"
from_other
