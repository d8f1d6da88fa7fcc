"""Checks a chart written by src/train/plot_svg.cc: parses it as XML, reads the axes back
from the tick labels (value at pixel position), maps every polyline point back to data
coordinates and prints the result as JSON:
  {"title": ..., "legend": [...], "xlabel": ..., "ylabel": ...,
   "series": {name: [[x, y], ...]}, "xticks": [...], "yticks": [...]}
usage: check_svg.py CHART.svg"""
import json
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def fit(pairs):
    """Least-squares line value = a * pixel + b through (pixel, value) pairs."""
    n = len(pairs)
    mp = sum(p for p, _ in pairs) / n
    mv = sum(v for _, v in pairs) / n
    a = sum((p - mp) * (v - mv) for p, v in pairs) / sum((p - mp) ** 2 for p, _ in pairs)
    return lambda pix: a * pix + (mv - a * mp)


def main():
    root = ET.parse(sys.argv[1]).getroot()
    assert root.tag == NS + "svg", root.tag
    texts = list(root.iter(NS + "text"))
    xt = [(float(t.get("x")), float(t.text)) for t in texts if t.get("class") == "xtick"]
    yt = [(float(t.get("y")), float(t.text)) for t in texts if t.get("class") == "ytick"]
    fx, fy = fit(xt), fit(yt)
    out = {"xticks": [v for _, v in xt], "yticks": [v for _, v in yt], "series": {}}
    for cls in ("title", "xlabel", "ylabel"):
        out[cls] = next(t.text or "" for t in texts if t.get("class") == cls)
    legend = next(g for g in root.iter(NS + "g") if g.get("class") == "legend")
    out["legend"] = [t.text for t in legend.iter(NS + "text")]
    for pl in root.iter(NS + "polyline"):
        pts = []
        for pair in pl.get("points").split():
            px, py = map(float, pair.split(","))
            pts.append([fx(px), fy(py)])
        out["series"][pl.get("data-name")] = pts
    print(json.dumps(out))


if __name__ == "__main__":
    main()
