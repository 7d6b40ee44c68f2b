// cnncalc report: sortable table, selection shared by table and diagram, pan/zoom, block folding.
// User text only ever goes in through textContent.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("cnncalc-data").textContent);
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const table = document.querySelector("#layers table");
  const body = table.tBodies[0];
  const heads = Array.from(table.tHead.rows[0].cells);
  const rows = new Map();
  for (const tr of body.rows) rows.set(tr.dataset.layer, tr);
  const panel = document.getElementById("detail");
  const detail = document.getElementById("detail-body");
  document.getElementById("detail-close").addEventListener("click", () => { panel.hidden = true; });
  const views = Array.from(document.querySelectorAll("#viewport .view"));
  let current = views.find((v) => !v.hidden) || null;

  function el(tag, text) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function describe(name) {
    detail.replaceChildren();
    const layer = has(data.layers, name) && rows.has(name) ? data.layers[name] : null;
    const block = has(data.blocks, name) ? data.blocks[name] : null;
    const item = layer || block;
    panel.hidden = !item;
    if (!item) return;
    const cells = layer ? rows.get(name).cells : null;  // a layer's type and output: its row's
    const what = block ? "block " + block.type + " → " + block.output
      : cells[2].textContent + " → " + cells[3].textContent;
    detail.append(el("h3", name), el("p", what));
    const dl = el("dl");
    dl.className = "figures";
    if (block) {
      for (const key of ["params", "trainable_params", "buffers", "connections", "macs"]) {
        dl.append(el("dt", key.replace("_", " ")), el("dd", String(block.counts[key])));
      }
    } else {  // a layer's figures are its row's cells
      heads.forEach((th, i) => {
        if (i > 3 && cells[i].textContent) dl.append(el("dt", th.textContent), el("dd", cells[i].textContent));
      });
    }
    detail.append(dl);
    if (layer) detail.append(el("pre", layer.explain.join("\n")));
    else detail.append(el("p", block.rows.length + " layers: " + block.rows.join(", ")));
  }

  function select(name, from) {
    for (const e of document.querySelectorAll(".selected")) e.classList.remove("selected");
    const names = has(data.blocks, name) ? data.blocks[name].rows : [name];
    let first = null;
    for (const n of names) {
      const tr = rows.get(n);
      if (tr) { tr.classList.add("selected"); first = first || tr; }
    }
    // the row comes into view inside the table's own scroll box: the page stays where it is
    if (first && from !== "table") {
      const box = document.getElementById("table-box");
      const r = first.getBoundingClientRect(), b = box.getBoundingClientRect();
      box.scrollTop += r.top - b.top - box.clientHeight / 2;
    }
    if (current) {
      for (const g of current.querySelectorAll("[data-layer]")) {
        if (g.dataset.layer === name || names.includes(g.dataset.layer)) g.classList.add("selected");
      }
    }
    describe(name);
  }

  body.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr) select(tr.dataset.layer, "table");
  });

  // sorting: figures by data-v, the rest as text; the # column restores the spec's order
  heads.forEach((th, i) => th.addEventListener("click", () => {
    const up = th.getAttribute("aria-sort") !== "ascending";
    for (const h of heads) h.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    const key = (tr) => {
      const td = tr.cells[i];
      return td.dataset.v !== undefined ? BigInt(td.dataset.v) : td.textContent;
    };
    const sorted = Array.from(body.rows).sort((a, b) => {
      const x = key(a), y = key(b);
      const c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0)
        : (typeof x === "bigint" ? -1 : 1);  // numbers before formulas
      return up ? c : -c;
    });
    body.append(...sorted);
  }));

  // the diagram: one view per folding depth; pan and zoom by the SVG's viewBox
  const viewport = document.getElementById("viewport");
  if (!viewport || !current) return;
  const boxes = new Map();
  function svgOf(view) { return view.querySelector("svg"); }
  function home(view) {
    const svg = svgOf(view);
    if (!svg) return null;
    if (!boxes.has(view)) {
      const vb = svg.viewBox.baseVal;
      let box = vb && vb.width ? [vb.x, vb.y, vb.width, vb.height] : null;
      if (!box) {
        const w = parseFloat(svg.getAttribute("width")) || 1000;
        const h = parseFloat(svg.getAttribute("height")) || 1000;
        box = [0, 0, w, h];
      }
      boxes.set(view, box);
      svg.removeAttribute("width");
      svg.removeAttribute("height");
      svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
    }
    return boxes.get(view);
  }
  function setBox(box) {
    const svg = svgOf(current);
    if (svg) svg.setAttribute("viewBox", box.join(" "));
  }
  function getBox() {
    const vb = svgOf(current).viewBox.baseVal;
    return [vb.x, vb.y, vb.width, vb.height];
  }
  // the whole diagram; one too tall or wide to read that way opens at its natural size instead,
  // its top centred ("fit" still shows all of it)
  function fit(all) {
    const box = home(current);
    if (!box) return;
    const r = viewport.getBoundingClientRect();
    const scale = Math.max(box[2] / r.width, box[3] / r.height);
    if (all || scale < 1.8 || !r.width) { setBox(box); return; }
    setBox([box[0] + box[2] / 2 - r.width / 2, box[1], r.width, r.height]);
  }
  function zoom(factor, cx, cy) {
    const [x, y, w, h] = getBox();
    const r = viewport.getBoundingClientRect();
    const fx = cx === undefined ? 0.5 : (cx - r.left) / r.width;
    const fy = cy === undefined ? 0.5 : (cy - r.top) / r.height;
    const nw = w * factor, nh = h * factor;
    setBox([x + (w - nw) * fx, y + (h - nh) * fy, nw, nh]);
  }
  function show(i) {
    views.forEach((v, j) => { v.hidden = j !== i; });
    current = views[i];
    fit();
  }
  views.forEach((v) => home(v));
  show(views.indexOf(current));

  const depth = document.getElementById("depth");
  depth.addEventListener("change", () => show(Number(depth.value)));
  document.getElementById("zoom-in").addEventListener("click", () => zoom(0.8));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(1.25));
  document.getElementById("zoom-fit").addEventListener("click", () => fit(true));
  viewport.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, ev.clientX, ev.clientY);
  }, { passive: false });

  let drag = null;
  viewport.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, box: getBox(), moved: false };
  });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; viewport.classList.add("dragging"); }
    const r = viewport.getBoundingClientRect();
    const s = Math.max(drag.box[2] / r.width, drag.box[3] / r.height);
    setBox([drag.box[0] - dx * s, drag.box[1] - dy * s, drag.box[2], drag.box[3]]);
  });
  window.addEventListener("pointerup", () => {
    viewport.classList.remove("dragging");
    setTimeout(() => { drag = null; }, 0);
  });
  viewport.addEventListener("click", (ev) => {
    if (drag && drag.moved) return;
    const g = ev.target.closest("[data-layer]");
    if (g) select(g.dataset.layer, "diagram");
  });
  // a block opens one level deeper: the next view, where its layers or sub-blocks show
  viewport.addEventListener("dblclick", (ev) => {
    const g = ev.target.closest("[data-layer]");
    const i = views.indexOf(current);
    if (!g || !has(data.blocks, g.dataset.layer) || i + 1 >= views.length) return;
    depth.value = String(i + 1);
    show(i + 1);
    select(g.dataset.layer, "diagram");
  });
})();
