"""Great-circle distances between points on Earth."""

from geodist.distance import Point, distance_km, haversine_km

__all__ = ["Point", "distance_km", "haversine_km"]
