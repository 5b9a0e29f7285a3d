"""From files to passages: read each format (:mod:`formats`), describe each document
(:mod:`facets`), clean its text (:mod:`clean`), load a folder (:mod:`corpus`), and split
documents into passages of whole sentences (:mod:`passages`)."""
