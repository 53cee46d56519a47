"""Training and evaluating text classifiers and custom taxonomies from labelled files."""
