// Idle sign-out warning. The server signs a user out after SESSION_IDLE_MINUTES without a request
// (lbp_pathway/middleware.py); two minutes before, this shows a warning with "Stay signed in".
// Before warning or leaving it asks the server how long is left, so activity in another tab counts.
(() => {
  const body = document.body;
  const idle = Number(body.dataset.sessionIdleSeconds || 0);
  if (!idle) return;
  const statusUrl = body.dataset.sessionStatusUrl;
  const keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  const loginUrl = body.dataset.sessionLoginUrl;
  const WARN_BEFORE = Math.min(120, Math.floor(idle / 2));
  let timer = null;
  let panel = null;

  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };

  const signedOut = () => {
    const next = encodeURIComponent(window.location.pathname);
    window.location.assign(`${loginUrl}?next=${next}`);
  };

  const hidePanel = () => {
    if (panel) panel.remove();
    panel = null;
  };

  const showPanel = (secondsLeft) => {
    if (!panel) {
      panel = document.createElement("div");
      panel.className = "alert alert-warning shadow session-warning";
      panel.setAttribute("role", "alertdialog");
      panel.setAttribute("aria-live", "assertive");
      panel.setAttribute("aria-labelledby", "session-warning-text");
      panel.dataset.testid = "session-warning";
      const text = document.createElement("p");
      text.id = "session-warning-text";
      text.className = "mb-2";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-primary btn-sm";
      button.textContent = "Stay signed in";
      button.addEventListener("click", stayIn);
      panel.append(text, button);
      document.body.append(panel);
      button.focus();
    }
    const minutes = Math.max(1, Math.ceil(secondsLeft / 60));
    panel.querySelector("p").textContent =
      `For your patients' privacy you will be signed out in about ${minutes} minute${minutes > 1 ? "s" : ""} without activity.`;
  };

  const schedule = (secondsLeft) => {
    clearTimeout(timer);
    if (secondsLeft <= 0) return signedOut();
    const untilWarning = secondsLeft - WARN_BEFORE;
    if (untilWarning > 0) {
      hidePanel();
      timer = setTimeout(check, untilWarning * 1000);
    } else {
      showPanel(secondsLeft);
      timer = setTimeout(check, Math.min(secondsLeft, 30) * 1000);
    }
  };

  const answer = async (response) => {
    const type = response.headers.get("content-type") || "";
    if (!response.ok || !type.includes("application/json")) return { seconds_left: 0 };
    return response.json();
  };

  async function check() {
    try {
      const response = await fetch(statusUrl, { credentials: "same-origin", redirect: "manual" });
      schedule((await answer(response)).seconds_left);
    } catch (error) {
      timer = setTimeout(check, 15000);
    }
  }

  async function stayIn() {
    try {
      const response = await fetch(keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": csrfToken() },
      });
      schedule((await answer(response)).seconds_left);
    } catch (error) {
      check();
    }
  }

  // Any htmx request is activity on the server too.
  body.addEventListener("htmx:afterRequest", () => schedule(idle));
  schedule(idle);
})();
