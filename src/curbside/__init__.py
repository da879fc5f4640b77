"""Curbside: an offline clinical evidence engine.

Data flows sources -> corpus -> store -> retrieve -> answer -> review -> interfaces.
"""

__version__ = "0.1.0"
