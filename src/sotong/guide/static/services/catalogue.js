// "링크 복사": copies the page's address; without JavaScript the link simply opens the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.sotong-copy-link");
  if (!link || !navigator.clipboard) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.dataset.copy).then(() => {
    const status = document.getElementById("copy-status");
    if (status) {
      status.textContent = link.dataset.copied;
      status.classList.remove("sr-only");
    }
  });
});
