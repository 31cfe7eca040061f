"""Veche (Вече): the platform of a municipal management centre (МЦУ)."""
