// Sign-in page for agents, supervisors and designers: POST /api/desk/login, then on to the role's page.
const form = document.getElementById("login-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const showPassword = document.getElementById("show-password");
const button = document.getElementById("sign-in");
const errorEl = document.getElementById("login-error");

const HOME = { supervisor: "/desk/supervisor", designer: "/designer" };
const home = (agent) => (agent && HOME[agent.role]) || "/desk";

function showError(text, field) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
  for (const input of [username, password]) {
    if (text && (!field || input === field)) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (text) { (field || password).focus(); if (!field || field === password) password.select(); }
}

async function errorMessage(response) {
  try { return (await response.json()).error.message; } catch { return `The server answered ${response.status}.`; }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!username.value.trim()) { showError("Enter your username.", username); return; }
  if (!password.value) { showError("Enter your password.", password); return; }
  button.disabled = true;
  button.textContent = "Signing in…";
  try {
    const response = await fetch("/api/desk/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ username: username.value.trim(), password: password.value }),
    });
    if (response.ok) {
      const { agent } = await response.json();
      password.value = "";
      location.replace(home(agent));
      return;
    }
    if (response.status === 401) showError("Wrong username or password.");
    else if (response.status === 429) showError("Too many attempts. Wait a moment and try again.");
    else showError(`Could not sign in: ${await errorMessage(response)}`);
  } catch {
    showError("Cannot reach the server. Check your connection and try again.");
  } finally {
    button.disabled = false;
    button.textContent = "Sign in";
  }
});

showPassword.addEventListener("change", () => { password.type = showPassword.checked ? "text" : "password"; });
for (const input of [username, password]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));

// Already signed in (e.g. the back button): go straight to the desk.
fetch("/api/desk/me", { credentials: "same-origin" })
  .then(async (response) => { if (response.ok) location.replace(home((await response.json()).agent)); })
  .catch(() => {});
