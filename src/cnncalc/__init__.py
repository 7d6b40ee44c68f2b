"""cnncalc: shapes, parameters, connections and MACs of convolutional networks from YAML specs."""

__version__ = "0.1.0"
