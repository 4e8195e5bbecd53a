"""British National Grid (OSGB36) easting/northing to WGS84 latitude/longitude, vectorised.

The Ordnance Survey's published transverse Mercator inverse on the Airy 1830 ellipsoid, then a
seven-parameter Helmert shift to WGS84: accurate to a few metres, plenty for a synthetic gazetteer.
"""

from __future__ import annotations

import numpy as np

_A, _B = 6377563.396, 6356256.909  # Airy 1830
_F0 = 0.9996012717
_LAT0, _LON0 = np.radians(49.0), np.radians(-2.0)
_E0, _N0 = 400000.0, -100000.0


def _meridional(phi: np.ndarray) -> np.ndarray:
    n = (_A - _B) / (_A + _B)
    d, s = phi - _LAT0, phi + _LAT0
    return _B * _F0 * ((1 + n + 1.25 * n**2 + 1.25 * n**3) * d
                       - (3 * n + 3 * n**2 + 2.625 * n**3) * np.sin(d) * np.cos(s)
                       + (1.875 * n**2 + 1.875 * n**3) * np.sin(2 * d) * np.cos(2 * s)
                       - (35 / 24) * n**3 * np.sin(3 * d) * np.cos(3 * s))


def bng_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e, nn = np.asarray(easting, float), np.asarray(northing, float)
    e2 = 1 - _B**2 / _A**2
    phi = (nn - _N0) / (_A * _F0) + _LAT0
    for _ in range(8):
        phi = phi + (nn - _N0 - _meridional(phi)) / (_A * _F0)
    sin, cos, tan = np.sin(phi), np.cos(phi), np.tan(phi)
    nu = _A * _F0 / np.sqrt(1 - e2 * sin**2)
    rho = _A * _F0 * (1 - e2) / (1 - e2 * sin**2) ** 1.5
    eta2 = nu / rho - 1
    vii = tan / (2 * rho * nu)
    viii = tan / (24 * rho * nu**3) * (5 + 3 * tan**2 + eta2 - 9 * tan**2 * eta2)
    ix = tan / (720 * rho * nu**5) * (61 + 90 * tan**2 + 45 * tan**4)
    x = 1 / (cos * nu)
    xi = 1 / (cos * 6 * nu**3) * (nu / rho + 2 * tan**2)
    xii = 1 / (cos * 120 * nu**5) * (5 + 28 * tan**2 + 24 * tan**4)
    xiia = 1 / (cos * 5040 * nu**7) * (61 + 662 * tan**2 + 1320 * tan**4 + 720 * tan**6)
    de = e - _E0
    lat = phi - vii * de**2 + viii * de**4 - ix * de**6
    lon = _LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    # OSGB36 geodetic -> cartesian -> Helmert -> WGS84 geodetic
    nu2 = _A / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    cx = nu2 * np.cos(lat) * np.cos(lon)
    cy = nu2 * np.cos(lat) * np.sin(lon)
    cz = (1 - e2) * nu2 * np.sin(lat)
    tx, ty, tz, s = 446.448, -125.157, 542.060, -20.4894e-6
    rx, ry, rz = (np.radians(v / 3600) for v in (0.1502, 0.2470, 0.8421))
    x2 = tx + (1 + s) * cx - rz * cy + ry * cz
    y2 = ty + rz * cx + (1 + s) * cy - rx * cz
    z2 = tz - ry * cx + rx * cy + (1 + s) * cz
    a, b = 6378137.000, 6356752.3141
    e2w = 1 - b**2 / a**2
    p = np.sqrt(x2**2 + y2**2)
    lat2 = np.arctan2(z2, p * (1 - e2w))
    for _ in range(6):
        nu3 = a / np.sqrt(1 - e2w * np.sin(lat2) ** 2)
        lat2 = np.arctan2(z2 + e2w * nu3 * np.sin(lat2), p)
    return np.degrees(lat2), np.degrees(np.arctan2(y2, x2))
