"""The HTML report's content, computed in Python so that the template only lays it out."""
