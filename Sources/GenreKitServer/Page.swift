/// The page of `GET /`: pick or drop an audio file; it is posted to `/api/predict` and the genre
/// probabilities (bars) and the song's log-mel spectrogram are shown. One self-contained file: no
/// script or style from elsewhere.
enum Page {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>GenreKit: try a song</title>
    <style>
      body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
      main { max-width: 860px; margin: 0 auto; padding: 24px; }
      h1 { font-size: 22px; margin: 0 0 4px; }
      p.lead { color: #555; margin: 0 0 20px; }
      #drop { display: block; border: 2px dashed #9aa; border-radius: 10px; padding: 36px; text-align: center; background: #fff; cursor: pointer; }
      #drop.over { border-color: #0072B2; background: #eef6fb; }
      #status { margin: 14px 0; color: #555; min-height: 1.2em; }
      #error { color: #b00020; margin: 14px 0; }
      ol#probabilities { list-style: none; padding: 0; margin: 0 0 24px; }
      li.probability { display: grid; grid-template-columns: 120px 1fr 60px; align-items: center; gap: 10px; margin: 6px 0; }
      li.probability .bar { height: 18px; background: #0072B2; border-radius: 3px; }
      li.probability:first-child .bar { background: #E69F00; }
      li.probability .value { text-align: right; font-variant-numeric: tabular-nums; }
      #spectrogram img { max-width: 100%; background: #fff; }
      footer { color: #888; font-size: 12px; margin-top: 24px; }
    </style>
    </head>
    <body>
    <main>
      <h1>Which genre is this song?</h1>
      <p class="lead" id="model">GenreKit</p>
      <label id="drop" for="file">Drop an audio file here, or click to pick one (WAV, FLAC, OGG, MP3, AIFF; up to 50 MB)
        <input type="file" id="file" accept="audio/*,.wav,.flac,.ogg,.mp3,.aiff,.aif,.au" hidden>
      </label>
      <div id="status"></div>
      <div id="error" role="alert"></div>
      <ol id="probabilities"></ol>
      <div id="spectrogram"></div>
      <footer>The song is cut into the model's segments, each is scored, and the song's probabilities are the mean over its segments.</footer>
    </main>
    <script>
      const drop = document.getElementById("drop"), input = document.getElementById("file");
      const status = document.getElementById("status"), error = document.getElementById("error");
      const list = document.getElementById("probabilities"), spectrogram = document.getElementById("spectrogram");
      fetch("/health").then(r => r.json()).then(h => {
        document.getElementById("model").textContent = `Model: ${h.model} (${h.classes.join(", ")}), reading ${h.input}.`;
      });
      function show(result) {
        list.replaceChildren(...result.probabilities.map(p => {
          const item = document.createElement("li");
          item.className = "probability";
          item.dataset.class = p.class;
          const name = document.createElement("span"), bar = document.createElement("div"), value = document.createElement("span");
          name.textContent = p.class;
          bar.className = "bar";
          bar.style.width = `${(p.probability * 100).toFixed(1)}%`;
          value.className = "value";
          value.textContent = p.probability.toFixed(3);
          item.append(name, bar, value);
          return item;
        }));
        const image = document.createElement("img");
        image.alt = "log-mel spectrogram";
        image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(result.spectrogram_svg)));
        spectrogram.replaceChildren(image);
        status.textContent = `${result.file}: ${result.segments} segment${result.segments === 1 ? "" : "s"} scored` + (result.warning ? ` (warning: ${result.warning})` : "");
      }
      async function send(file) {
        error.textContent = "";
        list.replaceChildren();
        spectrogram.replaceChildren();
        status.textContent = `Analysing ${file.name}…`;
        try {
          const response = await fetch("/api/predict?name=" + encodeURIComponent(file.name), { method: "POST", body: file });
          if (!response.ok) {
            const text = await response.text();
            let message = text;
            try { message = JSON.parse(text).error.message; } catch (_) {}
            throw new Error(`${response.status}: ${message}`);
          }
          show(await response.json());
        } catch (e) {
          status.textContent = "";
          error.textContent = e.message;
        }
      }
      input.addEventListener("change", () => { if (input.files.length) send(input.files[0]); });
      drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
      drop.addEventListener("dragleave", () => drop.classList.remove("over"));
      drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files.length) send(e.dataTransfer.files[0]); });
    </script>
    </body>
    </html>
    """#
}
