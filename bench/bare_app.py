"""The baseline: a bare FastAPI endpoint returning a constant, served with the same settings."""

from fastapi import FastAPI

from api.responses import JSON

app = FastAPI(default_response_class=JSON)
CONSTANT = {
    "point": {"lat": 21.0288, "lon": 105.8522},
    "as_of": "2026-11-24",
    "generation": "2026-09-20",
    "commune": {"code": "00070", "name": "Hoàn Kiếm", "full_name": "Phường Hoàn Kiếm", "type": "phuong"},
    "province": {"code": "01", "name": "Hà Nội", "full_name": "Thành phố Hà Nội", "type": "thanh_pho"},
    "on_boundary": False,
    "also_in": [],
}


@app.get("/v1/lookup")
async def lookup(lat: float, lon: float):
    return CONSTANT
