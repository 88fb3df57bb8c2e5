// KRDS's ui-script labels the main menu list in Korean ("메인 메뉴") whatever the page's language.
// Registered after it (both scripts are deferred, in order), this gives the list the label the
// page was rendered with.
window.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".gnb-menu[data-aria-label]").forEach((menu) => {
    menu.setAttribute("aria-label", menu.dataset.ariaLabel);
  });
});
