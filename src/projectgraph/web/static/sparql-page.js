// The query page: YASGUI on this server's own endpoint, with the named queries as examples.
// Everything that would reach outside the server is switched off (see yasgui/VENDORED.md).
(function () {
  "use strict";
  var element = document.getElementById("yasgui");
  var endpoint = new URL(element.dataset.endpoint, window.location.href).href;
  // The class/property autocompleters query a public vocabulary service: keep only local ones.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    persistenceId: null,
    corsProxy: undefined,
    yasqe: { prefixCcApi: null, createShortLink: undefined, resizeable: true,
             value: element.dataset.query },
  });

  function run(query) {
    var tab = yasgui.getTab();
    tab.setQuery(query);
    return tab.query();
  }

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.query); });
  });
  if (element.dataset.run === "true") {
    run(element.dataset.query);
  }
  window.projectgraphQueryPage = { yasgui: yasgui, run: run };
})();
