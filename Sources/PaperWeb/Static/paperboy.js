// Progressive enhancement: upvote without a page reload. Without JavaScript the form posts and redirects back.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest(".vote-form");
  if (!form) return;
  event.preventDefault();
  const response = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
    headers: { "Accept": "application/json" }, credentials: "same-origin" });
  if (response.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
  if (!response.ok) { form.submit(); return; }
  const result = await response.json();
  form.querySelector(".vote-count").textContent = result.upvotes;
  form.querySelector(".vote-button").classList.toggle("upvoted", result.upvoted);
});

// "Not interested": the card leaves the list without a reload. Without JavaScript the form posts and redirects back.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest(".not-interested-form");
  if (!form) return;
  event.preventDefault();
  const response = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
    headers: { "Accept": "application/json" }, credentials: "same-origin" });
  if (response.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
  if (!response.ok) { form.submit(); return; }
  const card = form.closest(".card");
  if (card) card.remove();
});
