"""Table-driven tests for plain-English step parsing (bugbrain.steps.parse)."""

from __future__ import annotations

from typing import Any

import pytest

from bugbrain.steps import rules as steps
from bugbrain.steps.controls import controls
from bugbrain.steps.parse import FORMS, Intent, Target, UnparseableStepError, parse


def T(text: str, role: str | None = None, **kw: Any) -> Target:  # noqa: N802
    """A Target with the role as second positional, the rest by keyword."""
    return Target(text, role, **kw)


def Q(text: str, role: str | None = None, **kw: Any) -> Target:  # noqa: N802
    """A Target whose words were quoted."""
    return Target(text, role, quoted=True, **kw)


def c(
    sentence: str,
    action: str,
    target: Target | None = None,
    value: str | None = None,
    count: int | None = None,
) -> Any:
    return pytest.param(sentence, Intent(action, target, value, count), id=sentence)


CASES = [
    # ---------------------------------------------------------------- navigate
    c("Go to /login", "navigate", value="/login"),
    c("Open https://example.com/shop", "navigate", value="https://example.com/shop"),
    c("Navigate to /catalog?page=2", "navigate", value="/catalog?page=2"),
    c("Visit example.com", "navigate", value="example.com"),
    c("Load 'http://localhost:3000/admin'", "navigate", value="http://localhost:3000/admin"),
    c("Go to www.example.org/about", "navigate", value="www.example.org/about"),
    c("Navigate to {{base_url}}/checkout", "navigate", value="{{base_url}}/checkout"),
    c("Open the app", "navigate", value="/"),
    c("Open the home page", "navigate", value="/"),
    c("Go to the homepage.", "navigate", value="/"),
    c("Given I open the site", "navigate", value="/"),
    c("Go to the /cart page", "navigate", value="/cart"),
    c("the user navigates to /orders/1", "navigate", value="/orders/1"),
    c("Browse to localhost:8080/health", "navigate", value="localhost:8080/health"),
    c("Open “/settings/profile”", "navigate", value="/settings/profile"),
    c("Open the Account menu", "click", T("Account")),
    c("Open the Reviews tab", "click", T("Reviews", "tab")),
    # "open <item>" clicks the item itself; a quoted URL or path still navigates
    c("Open the Blue Mug", "click", T("Blue Mug")),
    c("Open 'Settings'", "click", Q("Settings")),
    c("Open the second 'Blue Mug'", "click", Q("Blue Mug", ordinal=2)),
    c("Open the Blue Mug card", "click", T("Blue Mug", "region")),
    c("Open 'Note: urgent'", "click", Q("Note: urgent")),
    c("Open 'data:text/html,hi'", "navigate", value="data:text/html,hi"),
    c("Open '{{home}}'", "navigate", value="{{home}}"),
    c("Open 'localhost:3000'", "navigate", value="localhost:3000"),
    c("Open /login", "navigate", value="/login"),
    c("Open https://x.test", "navigate", value="https://x.test"),
    # ---------------------------------------------------------------- click
    c("Click the Sign in button", "click", T("Sign in", "button")),
    c(
        "Click 'Add to cart' on the Blue Mug card",
        "click",
        Q("Add to cart", within="Blue Mug", within_role="region"),
    ),
    c("Tap Continue", "click", T("Continue")),
    c("Click on the 'Forgot password?' link", "click", Q("Forgot password?", "link")),
    c("Press the Submit button", "click", T("Submit", "button")),
    c("Click the second Add to cart button", "click", T("Add to cart", "button", ordinal=2)),
    c("Click the last Remove button", "click", T("Remove", "button", ordinal=-1)),
    c("Click the checkbox next to Buy milk", "click", T("checkbox", "checkbox", near="Buy milk")),
    c(
        "Click the trash icon in the first row",
        "click",
        T("trash", "img", within="1", within_role="row"),
    ),
    c(
        "Click the edit icon in the last row",
        "click",
        T("edit", "img", within="-1", within_role="row"),
    ),
    c("Click Checkout", "click", T("Checkout")),
    c('click the "Place order" button', "click", Q("Place order", "button")),
    c("Click the ‘Don’t save’ button", "click", Q("Don’t save", "button")),  # noqa: RUF001
    c("Then I click Log out", "click", T("Log out")),
    c("And the user clicks the Save button", "click", T("Save", "button")),
    c("Please click the logo", "click", T("logo", "img")),
    c("Click the 3rd product link", "click", T("product", "link", ordinal=3)),
    c("Click the first item", "click", T("item", "listitem", ordinal=1)),
    c("Tap on the Menu icon", "click", T("Menu", "img")),
    c("Hit the Search button", "click", T("Search", "button")),
    c("Select the 'Terms of service' link", "click", Q("Terms of service", "link")),
    c("Choose the Shipping tab", "click", T("Shipping", "tab")),
    c("Switch to the Reviews tab", "click", T("Reviews", "tab")),
    c(
        "Click the Delete button in the confirmation dialog",
        "click",
        T("Delete", "button", within="confirmation", within_role="dialog"),
    ),
    c(
        "Click the Confirm button in the dialog",
        "click",
        T("Confirm", "button", within_role="dialog"),
    ),
    c("Click the Edit button for Blue Mug", "click", T("Edit", "button", near="Blue Mug")),
    c("Click the Remove link beside 'Green Tea'", "click", T("Remove", "link", near="Green Tea")),
    c(
        "Click 'Details' in the row for Blue Mug",
        "click",
        Q("Details", within="Blue Mug", within_role="row"),
    ),
    c("Click Logout from the user menu", "click", T("Logout", within="user", within_role="menu")),
    c("Click the Pricing link in the header", "click", T("Pricing", "link", within_role="banner")),
    c(
        "Click the Privacy link in the footer",
        "click",
        T("Privacy", "link", within_role="contentinfo"),
    ),
    c("Click the button labelled 'Next page'", "click", Q("Next page", "button")),
    c("Click the button 'Apply coupon'", "click", Q("Apply coupon", "button")),
    c("Click the Settings menu item", "click", T("Settings", "menuitem")),
    c("Toggle the dark mode switch", "click", T("dark mode", "switch")),
    c("Click here", "click", T("here")),
    c("Click the Sort by price button", "click", T("Sort by price", "button")),
    c(
        "Click the Blue Mug image in the second card",
        "click",
        T("Blue Mug", "img", within="2", within_role="region"),
    ),
    # ---------------------------------------------------------------- click: controls by name
    c(
        "Click the delete button next to 'Pay rent'",
        "click",
        T("delete", "button", near="Pay rent"),
    ),
    c(
        "Click the Delete button in the 'Pay rent' row",
        "click",
        T("Delete", "button", within="Pay rent", within_role="row"),
    ),
    c(
        "Click the edit icon on the 'Blue Mug' card",
        "click",
        T("edit", "img", within="Blue Mug", within_role="region"),
    ),
    c("Click × next to 'Pay rent'", "click", T("×", near="Pay rent")),
    c("Click '×' next to 'Pay rent'", "click", Q("×", near="Pay rent")),
    c("Click the × button next to 'Pay rent'", "click", T("×", "button", near="Pay rent")),
    c("Click 🗑 next to 'Pay rent'", "click", T("🗑", near="Pay rent")),
    c(
        "Click the 🗑️ icon in the first row",
        "click",
        T("🗑️", "img", within="1", within_role="row"),
    ),
    c("Click ✕.", "click", T("✕")),
    c("Click ⋮ next to 'Pay rent'", "click", T("⋮", near="Pay rent")),
    c("Click the trash can next to 'Pay rent'", "click", T("trash can", near="Pay rent")),
    # ---------------------------------------------------------------- act on an item
    # A verb of steps/control_words.toml: the control that does it, near the item...
    c("Delete 'Pay rent'", "click", T("Delete", near="Pay rent")),
    c("Delete Pay rent", "click", T("Delete", near="Pay rent")),
    c("Remove the Blue Mug", "click", T("Remove", near="Blue Mug")),
    c("Trash 'Old draft'", "click", T("Trash", near="Old draft")),
    c("Edit 'Water the plants'", "click", T("Edit", near="Water the plants")),
    c("Rename 'Q3 report'", "click", T("Rename", near="Q3 report")),
    c("Share the post", "click", T("Share", near="post")),
    c("Delete '42'", "click", T("Delete", near="42")),
    c("Delete {{item}}", "click", T("Delete", near="{{item}}")),
    c("Delete 'report.pdf'", "click", T("Delete", near="report.pdf")),
    c("The user deletes 'Pay rent'", "click", T("delete", near="Pay rent")),
    c("Then I dismiss 'Welcome back'", "click", T("dismiss", near="Welcome back")),
    c("Edit the comment that says 'Nice'", "click", T("Edit", near="Nice")),
    # ...also within the container "from/in/on <container>" names...
    c("Remove Pay rent from the list", "click", T("Remove", near="Pay rent", within_role="list")),
    c("Remove 'Blue Mug' from the cart", "click", T("Remove", near="Blue Mug", within="cart")),
    c("Remove Pay rent from Groceries", "click", T("Remove", near="Pay rent", within="Groceries")),
    c(
        "Delete 'Milk' in the Groceries list",
        "click",
        T("Delete", near="Milk", within="Groceries", within_role="list"),
    ),
    c(
        "Download the report from the Files section",
        "click",
        T("Download", near="report", within="Files", within_role="region"),
    ),
    # ...or inside the item when it is named as a container (dialog, row, card, banner...)
    c("Close the dialog", "click", T("Close", within_role="dialog")),
    c("Close dialog", "click", T("Close", within_role="dialog")),
    c("Close the 'Welcome' dialog", "click", T("Close", within="Welcome", within_role="dialog")),
    c("Close the Welcome popup", "click", T("Close", within="Welcome", within_role="dialog")),
    c("Dismiss the cookie banner", "click", T("Dismiss", within="cookie", within_role="banner")),
    c(
        "Expand the 'Shipping' section",
        "click",
        T("Expand", within="Shipping", within_role="region"),
    ),
    c(
        "Collapse the 'Shipping' section",
        "click",
        T("Collapse", within="Shipping", within_role="region"),
    ),
    c("Delete the 'Pay rent' row", "click", T("Delete", within="Pay rent", within_role="row")),
    c(
        "Delete the Pay rent item",
        "click",
        T("Delete", within="Pay rent", within_role="listitem"),
    ),
    c(
        "Delete the row that contains 'Pay rent'",
        "click",
        T("Delete", within="Pay rent", within_role="row"),
    ),
    c("Delete the first row", "click", T("Delete", within="1", within_role="row")),
    c("Delete the last item", "click", T("Delete", within="-1", within_role="listitem")),
    c("Like the first card", "click", T("Like", within="1", within_role="region")),
    # a subject that starts with such a word is still an assertion
    c("Delete button should not be visible", "assert_hidden", T("Delete", "button")),
    c("Close button appears", "assert_visible", T("Close", "button")),
    c("Edit link shows up", "assert_visible", T("Edit", "link")),
    # "erase" is in the table, but the clear rule comes first and keeps it
    c("Erase the Notes field", "clear", T("Notes", "textbox")),
    c("Erase 'Pay rent'", "clear", Q("Pay rent")),
    # the verbs of other rules are not taken
    c("Check 'Pay rent'", "check", Q("Pay rent")),
    c("Clear the search field", "clear", T("search", "textbox")),
    c("Toggle the 'Pay rent' row", "click", Q("Pay rent", "row")),
    # ---------------------------------------------------------------- fill
    c(
        "Type 'ada@example.com' into the Email field",
        "fill",
        T("Email", "textbox"),
        "ada@example.com",
    ),
    c("Enter ada@example.com in the email input", "fill", T("email", "textbox"), "ada@example.com"),
    c("Fill the password with {{password}}", "fill", T("password"), "{{password}}"),
    c("Fill in Email with 'x'", "fill", T("Email"), "x"),
    c("Set the Quantity field to 3", "fill", T("Quantity", "textbox"), "3"),
    c("Type hello", "fill", None, "hello"),
    c("Type 'hello world'", "fill", None, "hello world"),
    c(
        "Type “Ada Lovelace” into the Full name field",
        "fill",
        T("Full name", "textbox"),
        "Ada Lovelace",
    ),
    c("Enter ‘s3cret!’ in the Password box", "fill", T("Password", "textbox"), "s3cret!"),  # noqa: RUF001
    c("Input 42 into the Age text field", "fill", T("Age", "textbox"), "42"),
    c(
        "Put 'Leave at the door' in the delivery notes text area",
        "fill",
        T("delivery notes", "textbox"),
        "Leave at the door",
    ),
    c(
        "Write 'Great mug, would buy again' in the Review textarea",
        "fill",
        T("Review", "textbox"),
        "Great mug, would buy again",
    ),
    c(
        "Fill out the Card number with 4242 4242 4242 4242",
        "fill",
        T("Card number"),
        "4242 4242 4242 4242",
    ),
    c("Enter the username as {{user}}", "fill", T("username"), "{{user}}"),
    c('When I type "blue mug" into the search box', "fill", T("search", "textbox"), "blue mug"),
    c(
        "Type 'put it in the box' into the Notes field",
        "fill",
        T("Notes", "textbox"),
        "put it in the box",
    ),
    c(
        "Fill 'Berlin' in the City field in the Shipping section",
        "fill",
        T("City", "textbox", within="Shipping", within_role="region"),
        "Berlin",
    ),
    c(
        "Type {{email}} into the field labelled 'E-mail address'",
        "fill",
        Q("E-mail address", "textbox"),
        "{{email}}",
    ),
    c("Change the Zip code to 10115", "fill", T("Zip code"), "10115"),
    c("Update the quantity input to 5", "fill", T("quantity", "textbox"), "5"),
    c("Enter '' into the Coupon field", "fill", T("Coupon", "textbox"), ""),
    c("Enter 'Ada' for the first name", "fill", T("first name"), "Ada"),
    c("Type 'Lovelace' into the Last name field", "fill", T("Last name", "textbox"), "Lovelace"),
    c("Click the second 'Add to cart'", "click", Q("Add to cart", ordinal=2)),
    c(
        "Click Book in the First Class section",
        "click",
        T("Book", within="First Class", within_role="region"),
    ),
    # ---------------------------------------------------------------- clear
    c("Clear the search box", "clear", T("search", "textbox")),
    c("Clear the Email field", "clear", T("Email", "textbox")),
    c("Empty the 'Promo code' input", "clear", Q("Promo code", "textbox")),
    c("Clear out the Notes text area", "clear", T("Notes", "textbox")),
    # ---------------------------------------------------------------- select
    c("Select 'Germany' from the Country dropdown", "select", T("Country", "combobox"), "Germany"),
    c("Choose Canada in the country select", "select", T("country", "combobox"), "Canada"),
    c("Pick 'Express' from Shipping", "select", T("Shipping"), "Express"),
    c(
        "Select the 'Large' option from the Size drop-down",
        "select",
        T("Size", "combobox"),
        "Large",
    ),
    c(
        "Select “Price: low to high” from the Sort by list box",
        "select",
        T("Sort by", "combobox"),
        "Price: low to high",
    ),
    c("Choose 'March' from the Month picker", "select", T("Month", "combobox"), "March"),
    c("Set the Country dropdown to Germany", "select", T("Country", "combobox"), "Germany"),
    c(
        "Select {{country}} from the Country select box",
        "select",
        T("Country", "combobox"),
        "{{country}}",
    ),
    c(
        "Choose 'Logout' from the Account menu",
        "click",
        Q("Logout", within="Account", within_role="menu"),
    ),
    # ---------------------------------------------------------------- check / uncheck
    c("Check Remember me", "check", T("Remember me")),
    c("Check the 'I agree' checkbox", "check", Q("I agree", "checkbox")),
    c("Uncheck the newsletter box", "uncheck", T("newsletter", "checkbox")),
    c("Select the Express radio button", "check", T("Express", "radio")),
    c("Tick the Terms checkbox", "check", T("Terms", "checkbox")),
    c("Untick 'Subscribe to offers'", "uncheck", Q("Subscribe to offers")),
    c("Check the box next to Buy milk", "check", T("box", "checkbox", near="Buy milk")),
    c("Choose the Standard shipping radio", "check", T("Standard shipping", "radio")),
    c("Toggle on the Dark mode switch", "check", T("Dark mode", "switch")),
    c("Turn off notifications", "uncheck", T("notifications")),
    c("Switch the Auto-renew toggle off", "uncheck", T("Auto-renew", "switch")),
    c("Enable the 'Gift wrap' option", "check", Q("Gift wrap", "option")),
    c("Deselect the Marketing emails checkbox", "uncheck", T("Marketing emails", "checkbox")),
    c("Clear the 'Keep me signed in' checkbox", "uncheck", Q("Keep me signed in", "checkbox")),
    c("Set the Remember me checkbox to checked", "check", T("Remember me", "checkbox")),
    c("Mark the second todo item as done", "check", T("todo", "listitem", ordinal=2)),
    c("Check the checkbox for Buy milk", "check", T("checkbox", "checkbox", near="Buy milk")),
    # ---------------------------------------------------------------- hover
    c("Hover over the Account menu", "hover", T("Account")),
    c("Hover the 'Help' icon", "hover", Q("Help", "img")),
    c("Mouse over the avatar", "hover", T("avatar", "img")),
    c("Move the mouse to the Products link", "hover", T("Products", "link")),
    c("hover on the first product card", "hover", T("product", "region", ordinal=1)),
    # ---------------------------------------------------------------- press
    c("Press Enter", "press", value="Enter"),
    c("press Escape", "press", value="Escape"),
    c("Press esc", "press", value="Escape"),
    c("Hit Tab", "press", value="Tab"),
    c("Press Ctrl+A", "press", value="Control+A"),
    c("Press Cmd+K", "press", value="Meta+K"),
    c("Press control + shift + p", "press", value="Control+Shift+P"),
    c("Press Shift+Tab", "press", value="Shift+Tab"),
    c("Press the down arrow key", "press", value="ArrowDown"),
    c("Press Arrow Up", "press", value="ArrowUp"),
    c("Press space", "press", value="Space"),
    c("Press Backspace", "press", value="Backspace"),
    c("Press the Return key", "press", value="Enter"),
    c("Press F5", "press", value="F5"),
    c("Press 'a'", "press", value="a"),
    c("Press Enter in the search field", "press", T("search", "textbox"), "Enter"),
    c("Hit Escape in the 'Edit item' dialog", "press", Q("Edit item", "dialog"), "Escape"),
    c("Press Page Down", "press", value="PageDown"),
    c("Press Alt+F4", "press", value="Alt+F4"),
    # ---------------------------------------------------------------- scroll
    c("Scroll to the footer", "scroll", T("footer")),
    c("Scroll down to the Reviews section", "scroll", T("Reviews", "region")),
    c("Scroll the 'Related products' panel into view", "scroll", Q("Related products", "region")),
    c("Scroll until the Load more button is visible", "scroll", T("Load more", "button")),
    c("Scroll up to the Filters heading", "scroll", T("Filters", "heading")),
    # ---------------------------------------------------------------- wait
    c("Wait 2 seconds", "wait", value="2000"),
    c("Wait for 500 ms", "wait", value="500"),
    c("Pause for 1 second", "wait", value="1000"),
    c("Wait a second", "wait", value="1000"),
    c("Wait half a second", "wait", value="500"),
    c("Wait 1.5 seconds", "wait", value="1500"),
    c("Sleep 250ms", "wait", value="250"),
    c("Wait three seconds", "wait", value="3000"),
    c("Wait 2s", "wait", value="2000"),
    c("Wait for 1 minute", "wait", value="60000"),
    c("Wait for the spinner to disappear", "wait_hidden", T("spinner")),
    c("Wait for the Results table to appear", "wait", T("Results", "table")),
    c("Wait until 'Saved' is shown", "wait", Q("Saved")),
    c("Wait for the loading overlay to go away", "wait_hidden", T("loading overlay")),
    c("Wait until the toast is hidden", "wait_hidden", T("toast")),
    c("Wait for the 'Processing…' message to vanish", "wait_hidden", Q("Processing…")),
    c("Wait for the Checkout dialog to close", "wait_hidden", T("Checkout", "dialog")),
    c("Wait for the order summary to be visible", "wait", T("order summary")),
    c("Wait for the product grid to load", "wait", T("product", "table")),
    c("Wait for the Confirm button", "wait", T("Confirm", "button")),
    # ---------------------------------------------------------------- assert_text
    c("Verify the page shows 'Order confirmed'", "assert_text", None, "Order confirmed"),
    c("I should see 'Welcome back'", "assert_text", None, "Welcome back"),
    c("Expect 'Invalid email or password'", "assert_text", None, "Invalid email or password"),
    c("Assert text 'Total: $24.00'", "assert_text", None, "Total: $24.00"),
    c("Should see Order confirmed", "assert_text", None, "Order confirmed"),
    c("Then I should see “Thanks for your order!”", "assert_text", None, "Thanks for your order!"),
    c("The page should show 'Cart is empty'", "assert_text", None, "Cart is empty"),
    c(
        "Verify that the page contains the text 'Free shipping'",
        "assert_text",
        None,
        "Free shipping",
    ),
    c('Make sure the page displays "3 results"', "assert_text", None, "3 results"),
    c("I see 'Hello, Ada'", "assert_text", None, "Hello, Ada"),
    c(
        "Confirm the text 'Payment received' is on the page",
        "assert_visible",
        Q("Payment received"),
    ),
    c("Verify the heading says 'Catalog'", "assert_text", T("heading", "heading"), "Catalog"),
    c("Check that the cart total shows $24.00", "assert_text", T("cart total"), "$24.00"),
    c(
        "The status banner should read 'All systems go'",
        "assert_text",
        T("status banner"),
        "All systems go",
    ),
    c(
        "Expect the first row to contain 'Blue Mug'",
        "assert_text",
        T("row", "row", ordinal=1),
        "Blue Mug",
    ),
    c("Verify the heading is 'Your cart'", "assert_text", T("heading", "heading"), "Your cart"),
    c("Verify the cart contains 'Blue Mug'", "assert_text", T("cart"), "Blue Mug"),
    c("I should see 'Blue Mug' in the cart", "assert_text", T("cart"), "Blue Mug"),
    c("Verify 'Blue Mug' is in the cart", "assert_text", T("cart"), "Blue Mug"),
    c("Verify the error message says 'Required'", "assert_text", T("error message"), "Required"),
    c(
        "Ensure the Order summary panel displays 'Subtotal'",
        "assert_text",
        T("Order summary", "region"),
        "Subtotal",
    ),
    # ---------------------------------------------------------------- assert_not_text
    c("Should not see 'Error'", "assert_not_text", None, "Error"),
    c("Verify the page does not show 'Out of stock'", "assert_not_text", None, "Out of stock"),
    c("I should not see Invalid password", "assert_not_text", None, "Invalid password"),
    c("I shouldn't see 'Something went wrong'", "assert_not_text", None, "Something went wrong"),
    c("The page should not contain 'undefined'", "assert_not_text", None, "undefined"),
    c("Expect no 'Payment failed'", "assert_not_text", None, "Payment failed"),
    c("There should be no 'Error 500'", "assert_not_text", None, "Error 500"),
    # ---------------------------------------------------------------- assert_visible
    c("Verify the Save button is visible", "assert_visible", T("Save", "button")),
    c("The Sign in button should be displayed", "assert_visible", T("Sign in", "button")),
    c("Expect the error banner to be shown", "assert_visible", T("error banner")),
    c("Verify 'Saved' is visible", "assert_visible", Q("Saved")),
    c("Make sure the cart icon appears", "assert_visible", T("cart", "img")),
    c("The Checkout dialog should appear", "assert_visible", T("Checkout", "dialog")),
    c("Assert the logo is present", "assert_visible", T("logo", "img")),
    c("I should see the Logout link", "assert_visible", T("Logout", "link")),
    c("Verify the Save button", "assert_visible", T("Save", "button")),
    c(
        "Check that the 'Order history' heading is displayed on the page",
        "assert_visible",
        Q("Order history", "heading"),
    ),
    # ---------------------------------------------------------------- assert_hidden
    c("The error banner should not be visible", "assert_hidden", T("error banner")),
    c("Verify the spinner is hidden", "assert_hidden", T("spinner")),
    c("Expect no error message", "assert_hidden", T("error message")),
    c("Verify the Checkout button is not displayed", "assert_hidden", T("Checkout", "button")),
    c("The cookie banner should disappear", "assert_hidden", T("cookie banner")),
    c("Ensure the 'Delete' link isn't visible", "assert_hidden", Q("Delete", "link")),
    c("There should be no error dialog", "assert_hidden", T("error", "dialog")),
    c("I should not see the Admin link", "assert_hidden", T("Admin", "link")),
    c("Expect the loading spinner to be gone", "assert_hidden", T("loading spinner")),
    # ---------------------------------------------------------------- assert_value
    c(
        "Verify the Email field contains ada@example.com",
        "assert_value",
        T("Email", "textbox"),
        "ada@example.com",
    ),
    c("The email field should have the value 'x'", "assert_value", T("email", "textbox"), "x"),
    c("Expect the Quantity to be 2", "assert_value", T("Quantity"), "2"),
    c("Verify the Quantity field is 3", "assert_value", T("Quantity", "textbox"), "3"),
    c(
        "Check that the Country dropdown is 'Germany'",
        "assert_value",
        T("Country", "combobox"),
        "Germany",
    ),
    c("Verify the search box is empty", "assert_value", T("search", "textbox"), ""),
    c(
        "The value of the Name input should be {{name}}",
        "assert_value",
        T("Name", "textbox"),
        "{{name}}",
    ),
    c("The Coupon field should equal 'SAVE10'", "assert_value", T("Coupon", "textbox"), "SAVE10"),
    # ---------------------------------------------------------------- assert_count
    c("Verify 3 items are listed", "assert_count", T("items", "listitem"), count=3),
    c("There should be 6 products", "assert_count", T("products"), count=6),
    c(
        "Expect 2 rows in the cart table",
        "assert_count",
        T("rows", "row", within="cart", within_role="table"),
        count=2,
    ),
    c("Verify the cart has 1 item", "assert_count", T("item", "listitem", within="cart"), count=1),
    c("Verify 'Buy milk' is listed", "assert_visible", Q("Buy milk")),
    c("Verify 'Buy milk' is not listed", "assert_hidden", Q("Buy milk")),
    # "<list> is empty": none of its items (a table's rows)
    c(
        "Verify the todo list is empty",
        "assert_count",
        T("items", "listitem", within="todo", within_role="list"),
        count=0,
    ),
    c(
        "The shopping list should be empty",
        "assert_count",
        T("items", "listitem", within="shopping", within_role="list"),
        count=0,
    ),
    c(
        "Verify the 'Orders' table is empty",
        "assert_count",
        T("rows", "row", within="Orders", within_role="table"),
        count=0,
    ),
    c("Verify the Email field is empty", "assert_value", T("Email", "textbox"), value=""),
    c("Verify twelve products are shown", "assert_count", T("products"), count=12),
    c(
        "There are exactly 4 links in the footer",
        "assert_count",
        T("links", "link", within_role="contentinfo"),
        count=4,
    ),
    c(
        "The cart table should have 2 rows",
        "assert_count",
        T("rows", "row", within="cart", within_role="table"),
        count=2,
    ),
    c("Expect five 'Add to cart' buttons", "assert_count", Q("Add to cart", "button"), count=5),
    c("Verify 0 results are shown", "assert_count", T("results"), count=0),
    c("3 reviews should be displayed", "assert_count", T("reviews"), count=3),
    c(
        "Make sure the Orders list shows 10 entries",
        "assert_count",
        T("entries", "listitem", within="Orders", within_role="list"),
        count=10,
    ),
    # ---------------------------------------------------------------- assert_url
    c("Verify the URL contains /cart", "assert_url", value="/cart"),
    c("The URL should be /orders/1", "assert_url", value="/orders/1"),
    c("Check we are on /catalog", "assert_url", value="/catalog"),
    c("I should be on the /checkout page", "assert_url", value="/checkout"),
    c("Expect to be redirected to /login", "assert_url", value="/login"),
    c("The current URL should contain 'orderId='", "assert_url", value="orderId="),
    c("Verify the url includes checkout", "assert_url", value="checkout"),
    c("Then I am on https://example.com/thanks", "assert_url", value="https://example.com/thanks"),
    # ---------------------------------------------------------------- assert_title
    c("Verify the title is 'Catalog — Shop'", "assert_title", value="Catalog — Shop"),
    c("The page title should contain Checkout", "assert_title", value="Checkout"),
    c("Expect the page title to be “Your cart”", "assert_title", value="Your cart"),
    c("Assert that the title contains 'Order #'", "assert_title", value="Order #"),
    c("The page should have the title 'Sign in'", "assert_title", value="Sign in"),
]

UNPARSEABLE = [
    "Verify the list is empty",  # which list? (no words to find it by)
    "The todo list is empty",  # prose without a lead or should/must
    "Verify the cart is empty",  # not a list or table: say what shows it's empty
    "",
    "   ",
    "Frobnicate the widget",
    "Do the thing",
    "Navigate to the login page",
    "Go to the checkout screen",
    "Click",
    "Click on",
    "Type into the email field",
    "Fill the email field",
    "Enter",
    "Press",
    "Wait",
    "Wait 2",
    "Wait for the page to load",
    "Scroll down",
    "Scroll to the bottom",
    "Expect to be redirected to the login page",
    "Verify",
    "Verify it works",
    "Select 'Germany'",
    "asdf qwerty zxcv",
    "The sky is blue",
    "Hover",
    "Check that",
    "Go back",
    "Verify the thing works",
    "Should see",
    "Verify the Save button is enabled",
    "The order should be placed",
    "Verify 'x' and 'y'",
    "Verify the checkbox next to Buy milk is checked",
    "Check the network tab",
    "Click the",
    "Type hello world into",
    "Wait for 2",
    "Choose Express shipping",
    "Wait until the Save button is enabled",
    'Type "ada" in the Username field and press Enter',
    "Press Tab twice",
    "Click the Save button twice",
    "Wait for 3 seconds for the animation",
    "Verify the cart is empty",
    "Expect 'Blue Mug' not to be in the cart",
    # a verb with no item, several items, a URL, or what near cannot express
    "Delete",
    "Remove the",
    "Close",
    "Remove from the cart",
    "Delete it",
    "Delete all completed",
    "Delete everything",
    "Remove all items from the cart",
    "Delete 3 items",
    "Delete https://x.test",
    "Delete /api/items/1",
    "Delete report.pdf",
    "Delete 'a' and 'b'",
    "Delete 'Pay rent' twice",
    "Delete the second 'Pay rent'",
    "Delete the second todo item",
    "Delete the row next to 'Pay rent'",
    "Remove the first item from the list",
    "Copy the link",
    "Edit the Save button",
    "Reload the page",
    "Close the window",
    "Open the Edit dialog",
    "Open the login page",
    "Open the Google website",
]


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_parse(sentence: str, expected: Intent) -> None:
    assert parse(sentence) == expected


def test_case_count_and_distinct() -> None:
    sentences = [p.values[0] for p in CASES]
    assert len(sentences) >= 170
    assert len(set(sentences)) == len(sentences)


@pytest.mark.parametrize("sentence", UNPARSEABLE)
def test_unparseable(sentence: str) -> None:
    with pytest.raises(UnparseableStepError) as info:
        parse(sentence)
    message = str(info.value)
    assert f"'{sentence.strip()}'" in message
    assert "Could not understand step" in message
    assert "Understood forms:" in message
    assert "go to <url>" in message
    assert "click <element>" in message


def test_needs_url_message() -> None:
    with pytest.raises(UnparseableStepError, match="URL or path is needed"):
        parse("Navigate to the login page")


@pytest.mark.parametrize(
    ("sentence", "hint"),
    [
        ("Delete", "say what to delete: Delete 'Pay rent'"),
        ("Remove the", "say what to remove"),
        ("Close", "Close the 'Welcome' dialog"),
        (
            "Delete all completed",
            "several items at once; use the app's own button for it, e.g. Click 'Clear completed'",
        ),
        ("Delete everything", "Click 'Clear completed'"),
        ("Delete 'a' and 'b'", "one item per step: Delete 'a', then Delete 'b'"),
        ("Delete https://x.test", "'https://x.test' is a URL or path, not an item on the page"),
        ("Delete report.pdf", "quote an item's words"),
        ("Delete the second 'Pay rent'", "only a row, item or card can be named by position"),
        ("Delete the row next to 'Pay rent'", "Delete 'Pay rent' or Delete the 'Pay rent' row"),
        ("Remove the first item from the list", "name one container"),
        ("Copy the link", "'the link' names a link, not an item"),
        ("Reload the page", "does not name an item on the page"),
        ("Open the Edit dialog", "Click the Edit button"),
    ],
)
def test_refusals_say_why(sentence: str, hint: str) -> None:
    with pytest.raises(UnparseableStepError) as info:
        parse(sentence)
    assert f"'{sentence}': " in str(info.value)
    assert hint in str(info.value)


def test_plain_refusals_carry_no_hint() -> None:
    with pytest.raises(UnparseableStepError) as info:
        parse("Frobnicate the widget")
    assert str(info.value).startswith("Could not understand step 'Frobnicate the widget'. ")


def test_forms_name_the_item_verbs() -> None:
    assert "open <item>" in FORMS
    assert "Delete 'Pay rent'" in FORMS


# "erase" leads the clear rule, which comes first in the table.
CLEARING = {"erase"}


@pytest.mark.parametrize("verb", sorted({v for c in controls().values() for v in c.verbs}))
def test_every_table_verb_acts_on_an_item(verb: str) -> None:
    """Each verb of control_words.toml leads "<Verb> 'Pay rent'" (the verbs are not
    listed a second time in the parser)."""
    intent = parse(f"{verb.capitalize()} 'Pay rent'")
    if verb in CLEARING:
        assert intent == Intent("clear", Q("Pay rent"))
    else:
        assert intent == Intent("click", T(verb.capitalize(), near="Pay rent"))
        assert parse(f"{verb} the dialog") == Intent("click", T(verb, within_role="dialog"))


@pytest.mark.parametrize(("sentence", "expected"), CASES)
def test_properties(sentence: str, expected: Intent) -> None:
    intent = parse(sentence)
    assert intent.action in steps.ACTIONS
    target = intent.target
    if target is not None:
        assert target.text.strip()
        assert target.text == target.text.strip()
        assert not target.text.lower().startswith(("the ", "a ", "an "))
        assert target.ordinal is None or target.ordinal == -1 or target.ordinal >= 1
    if intent.action == "assert_count":
        assert intent.count is not None
    else:
        assert intent.count is None


def test_case_and_whitespace_insensitive() -> None:
    assert parse("  CLICK   THE   Sign in   BUTTON!  ") == parse("Click the Sign in button")
    assert parse("please type 'x' into the Email field.") == parse("Type 'x' into the Email field")


def test_every_action_is_reachable() -> None:
    produced = {parse(p.values[0]).action for p in CASES}
    assert produced == set(steps.ACTIONS)
