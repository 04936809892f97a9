// The demo page: the official dotnetify client (createWebSocketHub) talking
// to gonetify. The hub URL comes from ?hub=… or defaults to this server's /ws.
(function () {
  var params = new URLSearchParams(location.search);
  var hubUrl = params.get("hub") || window.GONETIFY_HUB_URL || (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  document.getElementById("hub-url").textContent = "(" + hubUrl + ")";
  dotnetify.hub = dotnetify.createWebSocketHub(hubUrl);
  dotnetify.connectionStateHandler = function (state) {
    document.getElementById("conn-state").textContent = state;
  };
  function show(ex) { console.error(ex.name + ": " + ex.message); }

  // Hello World
  var hello = {};
  var helloVM = dotnetify.connect("HelloWorldVM", {
    getState: function () { return hello; },
    setState: function (s) {
      hello = Object.assign({}, hello, s);
      var fn = document.getElementById("first-name"), ln = document.getElementById("last-name");
      if ("FirstName" in s && document.activeElement !== fn) fn.value = hello.FirstName;
      if ("LastName" in s && document.activeElement !== ln) ln.value = hello.LastName;
      document.getElementById("full-name").textContent = hello.FullName || "";
      document.getElementById("server-time").textContent = hello.ServerTime || "";
    },
    exceptionHandler: show
  });
  ["FirstName", "LastName"].forEach(function (prop) {
    var input = document.getElementById(prop === "FirstName" ? "first-name" : "last-name");
    input.addEventListener("change", function () {
      var update = {}; update[prop] = input.value;
      helloVM.$dispatch(update);
    });
  });

  // Live Chart
  var chart = {}, updates = 0;
  dotnetify.connect("LiveChartVM", {
    getState: function () { return chart; },
    setState: function (s) {
      chart = Object.assign({}, chart, s);
      updates++;
      document.getElementById("chart-updates").textContent = String(updates - 1);
      draw();
    },
    exceptionHandler: show
  });
  function draw() {
    var wave = (chart.Waveform || []).slice(-30);
    var pts = wave.map(function (p, i) { return (i * 10) + "," + (60 - 50 * Number(p[1])).toFixed(1); });
    document.getElementById("wave-line").setAttribute("points", pts.join(" "));
    var bars = chart.Bar || [], svg = document.getElementById("bars"), w = 300 / Math.max(bars.length, 1);
    svg.innerHTML = bars.map(function (v, i) {
      var h = (v / 1000) * 110;
      return '<rect x="' + (i * w + 2) + '" y="' + (120 - h) + '" width="' + (w - 4) + '" height="' + h + '"></rect>';
    }).join("");
  }
})();
