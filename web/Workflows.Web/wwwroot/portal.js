// Small browser helpers the portal calls through IJSRuntime.
window.workflowsPortal = {
  download: function (fileName, text) {
    const blob = new Blob([text], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  },
  loadSetting: function (name) {
    try { return window.localStorage.getItem("workflows." + name); } catch (e) { return null; }
  },
  saveSetting: function (name, value) {
    try { window.localStorage.setItem("workflows." + name, value); } catch (e) { /* private mode: not remembered */ }
  },
  timeZone: function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  },
  revealStep: function (stepId) {
    // The run graph's card of a step (not a compensation's), scrolled into view only as far as needed.
    const node = document.querySelector('[data-step-node="' + CSS.escape(stepId) + '"]');
    if (node) { node.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  },
  scrollToEnd: function (element) {
    if (element) { element.scrollTop = element.scrollHeight; }
  },
  copy: function (text) {
    // The async clipboard needs a secure context; loopback and HTTPS have one, plain HTTP elsewhere falls back.
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
};
