"""Run by Debian's python3 (python3-qgis), headless: load the service's OGC API – Features layer,
its vector tiles and the PostGIS view geo_current.communes in QGIS, render Hà Nội to a PNG, and
print what QGIS saw as JSON. Usage: qgis_render.py BASE_URL PG_CONNINFO OUT.png"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsFeatureRequest,  # noqa: E402
    QgsFillSymbol,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProviderRegistry,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

base, conninfo, out = sys.argv[1:4]
app = QgsApplication([], False)
app.initQgis()
report = {"qgis": app.QGIS_VERSION if hasattr(app, "QGIS_VERSION") else ""}
from qgis.core import Qgis  # noqa: E402

report["qgis"] = Qgis.QGIS_VERSION

# OGC API – Features, as the Data Source Manager adds it (bbox-restricted requests)
oapif = QgsVectorLayer(f"url='{base}/ogc' typename='communes' restrictToRequestBBOX='1'", "communes (OGC API)", "OAPIF")
report["oapif_valid"] = oapif.isValid()
report["oapif_crs"] = oapif.crs().authid()
hanoi = QgsRectangle(105.80, 21.00, 105.87, 21.06)
req = QgsFeatureRequest().setFilterRect(hanoi)
report["oapif_features_in_view"] = sum(1 for _ in oapif.getFeatures(req))
# a server-side filter, as QGIS's OAPIF provider sends it
oapif_f = QgsVectorLayer(f"url='{base}/ogc' typename='communes' filter=\"province_code = '01'\"", "filtered", "OAPIF")
oapif_f.setSubsetString("province_code = '01'")
report["oapif_subset_count"] = sum(1 for _ in oapif_f.getFeatures())

# Vector tiles from the TileJSON's template
vt = QgsVectorTileLayer(
    f"type=xyz&url={base}/v1/tiles/provinces/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=14", "provinces (tiles)"
)
report["tiles_valid"] = vt.isValid()

# PostGIS view: the key QGIS finds for it (the browser's choice), then the layer with it
md = QgsProviderRegistry.instance().providerMetadata("postgres")
conn = md.createConnection(conninfo, {})
table = next(t for t in conn.tables("geo_current") if t.tableName() == "communes")
keys = list(table.primaryKeyColumns())
report["view_key_candidates"] = keys
uri = QgsDataSourceUri(conninfo)
uri.setDataSource("geo_current", "communes", "geom", "", keys[0] if keys else "")
pg = QgsVectorLayer(uri.uri(False), "geo_current.communes", "postgres")
report["view_valid"] = pg.isValid()
report["view_count"] = pg.featureCount()
report["view_crs"] = pg.crs().authid()

for layer, colour in ((pg, "#fde0c5"), (oapif, "#00000000")):
    sym = QgsFillSymbol.createSimple(
        {
            "color": colour,
            "outline_color": "#c0392b" if layer is oapif else "#888888",
            "outline_width": "0.6" if layer is oapif else "0.2",
        }
    )
    layer.setRenderer(QgsSingleSymbolRenderer(sym))

settings = QgsMapSettings()
settings.setLayers([oapif, vt, pg])  # top first
settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
settings.setOutputSize(QSize(1200, 900))
settings.setBackgroundColor(QColor("white"))
from qgis.core import QgsCoordinateTransform, QgsProject  # noqa: E402

tr = QgsCoordinateTransform(
    QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance()
)
settings.setExtent(tr.transformBoundingBox(QgsRectangle(105.70, 20.95, 105.95, 21.12)))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
img = job.renderedImage()
report["png_saved"] = img.save(out, "png")
report["png_size"] = [img.width(), img.height()]
print(json.dumps(report), flush=True)
os._exit(0)  # QGIS 3.22 can crash in its exit handlers when headless; the work is done and saved
