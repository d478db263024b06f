"""Wallet & store (`w`): balances, the store, your inventory; buy and use items."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Label, Static

from purrr_cli.tui import clock
from purrr_cli.tui.forms import deposit_fields
from purrr_cli.tui.screens.base import PurrrScreen, optional
from purrr_cli.tui.screens.dialog import ConfirmDialog
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.widgets.info import kv_table
from purrr_cli.tui.widgets.records import Column, RecordTable, records_of, shorten

ITEM_COLUMNS: list[Column] = [
    ("Item", "name"),
    ("Category", "category"),
    ("Price", "price"),
    ("Effect", "description"),
]
INVENTORY_COLUMNS: list[Column] = [
    ("Item", lambda i: i.get("name") or i.get("item_id")),
    ("Qty", "quantity"),
]


def balances_view(balance: Any) -> Any:
    """Coins, then each currency with its locked part (exact decimal strings from the ledger)."""
    if not isinstance(balance, dict):
        return "No wallet yet."
    locked = balance.get("locked") or {}
    rows: list[tuple[str, Any]] = [("Coins", balance.get("coins", 0))]
    for code, amount in balance.items():
        if code not in ("coins", "locked"):
            rows.append(
                (
                    code,
                    f"{amount}"
                    + (
                        f"  (locked {locked[code]})"
                        if code in locked and float(locked[code])
                        else ""
                    ),
                )
            )
    return kv_table(rows)


def pending_charge(charges: Any) -> dict[str, Any] | None:
    """The most recent charge still pending (the server lists charges newest first)."""
    if not isinstance(charges, list):
        return None
    return next((c for c in charges if c.get("status") == "pending"), None)


def charge_view(charge: dict[str, Any] | None) -> Any:
    """A deposit charge as the server returned it: what to pay, where, and until when."""
    if not charge:
        return "No pending deposit. Press d to deposit."
    return kv_table(
        [
            ("Charge", charge.get("charge_id")),
            ("Amount", f"{charge.get('amount_crypto')} {charge.get('currency', '')}".strip()),
            ("USD", charge.get("amount_usd")),
            ("Status", charge.get("status")),
            ("Expires", clock.short(charge.get("expires_at"))),
            ("Pay at", charge.get("payment_url")),
        ]
    )


class WalletScreen(PurrrScreen):
    """Money is decided by the server's ledger; the screen shows it and sends requests."""

    HELP = """\
# Wallet & store

Your coins (earned in games, patrols and quests) and crypto balances, the store and your
inventory. Select an item and press **p** (or Enter) to buy it: a dialog says what it costs
and asks you to confirm. In the inventory, press **u** to use an item on a cat. Balances never go negative: the server refuses purchases you cannot afford.

Press **d** to deposit: choose a currency and an amount in USD; the server opens a charge
(its id, the amount in crypto, where to pay and until when). Your balance is credited only when
the charge is confirmed: in the sandbox, press **k** to confirm your most recent pending charge.
"""
    MODE = "wallet"
    LIVE_EVENTS = ("economy.", "store.", "wallet.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "buy", "Buy", id="wallet.buy"),
        Binding("u", "use", "Use item", id="wallet.use"),
        Binding("d", "deposit", "Deposit", id="wallet.deposit"),
        Binding("k", "confirm_charge", "Confirm charge", id="wallet.confirm"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cats: list[dict[str, Any]] = []
        self.coins: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="balances")
        yield Label("Deposit", classes="section")
        yield Static(id="charge")
        yield Label("Store", classes="section")
        yield RecordTable(ITEM_COLUMNS, id="store")
        yield Label("Inventory", classes="section")
        yield RecordTable(INVENTORY_COLUMNS, key="item_id", id="inventory")

    async def fetch(self) -> dict[str, Any]:
        balance, items, inventory, cats, charges = await asyncio.gather(
            self.api.balance(),
            self.api.store_items(),
            self.api.inventory(),
            self.api.cats(),
            optional(self.api.charges),
        )
        return {
            "balance": balance,
            "items": items,
            "inventory": inventory,
            "cats": cats,
            "charges": charges,
        }

    def show(self, data: dict[str, Any]) -> None:
        self.cats = data["cats"]
        self.purrr.remember_cats(self.cats)
        self.coins = data["balance"].get("coins") if isinstance(data["balance"], dict) else None
        self.query_one("#balances", Static).update(balances_view(data["balance"]))
        self.query_one("#charge", Static).update(charge_view(pending_charge(data["charges"])))
        self.query_one("#store", RecordTable).set_records(records_of(data["items"], "items"))
        self.query_one("#inventory", RecordTable).set_records(
            records_of(data["inventory"], "items")
        )

    def on_data_table_row_selected(self, event: Any) -> None:
        if event.data_table.id == "store":
            self.action_buy()

    def action_buy(self) -> None:
        item = self.query_one("#store", RecordTable).selected()
        if item is None:
            self.notify("No item selected.", severity="warning")
            return
        name = str(item.get("name", item["id"]))
        price = item.get("price")
        after = (
            f"; you will have {self.coins - int(price)} coins left"
            if (isinstance(self.coins, int) and isinstance(price, int))
            else ""
        )
        question = f"Buy one {name} for {price} coins{after}?"

        def bought(confirmed: bool | None) -> None:
            if confirmed:
                body = {"item_id": item["id"], "quantity": 1}
                self.call(self.api.purchase(body), lambda _: self._done(f"Bought {name}."))

        self.app.push_screen(ConfirmDialog(f"Buy {name}", question, "Buy"), bought)

    def action_use(self) -> None:
        item = self.query_one("#inventory", RecordTable).selected()
        if item is None:
            self.notify("Your inventory is empty.", severity="warning")
            return
        ask_cat_and_use(self, self.cats, item, self.reload)

    def action_deposit(self) -> None:
        dialog = FormDialog("Deposit", deposit_fields(), "Deposit")
        self.app.push_screen(dialog, lambda values: self._deposit(values) if values else None)

    def _deposit(self, body: dict[str, Any]) -> None:
        def opened(charge: Any) -> None:
            self.query_one("#charge", Static).update(charge_view(charge))
            self.notify(
                f"Charge {charge.get('charge_id')}: pay {charge.get('amount_crypto')} "
                f"{charge.get('currency', body['crypto_type'])} at {charge.get('payment_url')} "
                f"before {clock.short(charge.get('expires_at'))}."
            )
            self.reload()

        self.call(self.api.deposit(body), opened)

    def action_confirm_charge(self) -> None:
        def confirm(charges: Any) -> None:
            charge = pending_charge(charges)
            if charge is None:
                self.notify(
                    "Nothing to confirm: no pending deposit (press d to deposit).",
                    title="Nothing To Confirm",
                    severity="error",
                )
                return
            self.call(
                self.api.confirm_charge(str(charge["charge_id"])),
                lambda _: self._done(
                    f"Confirmed {charge['charge_id']}: "
                    f"+{charge.get('amount_crypto')} {charge.get('currency')}."
                ),
            )

        self.call(self.api.charges(), confirm)

    def _done(self, message: str) -> None:
        self.notify(message)
        self.reload()


def ask_cat_and_use(
    screen: PurrrScreen,
    cats: list[dict[str, Any]],
    item: dict[str, Any],
    done: Callable[[], None],
    cat_id: int | None = None,
) -> None:
    """Ask which cat (unless given) and use `item` on it through the server."""
    item_id = item.get("item_id") or item.get("id")

    def use(body: dict[str, Any]) -> None:
        def used(result: Any) -> None:
            message = result.get("message") if isinstance(result, dict) else None
            screen.notify(str(message or f"Used {item.get('name', item_id)}."))
            done()

        screen.call(screen.api.use_item(int(body["cat_id"]), str(item_id)), used)

    if cat_id is not None:
        use({"cat_id": cat_id})
        return
    fields = [
        FormField("cat_id", "Cat", choices=tuple((shorten(c["name"]), c["id"]) for c in cats))
    ]
    dialog = FormDialog(f"Use {item.get('name', item_id)}", fields, "Use")
    screen.app.push_screen(dialog, lambda values: use(values) if values else None)


def choose_and_use_item(screen: PurrrScreen, cat_id: int, done: Callable[[], None]) -> None:
    """From the cat screen: pick an inventory item, then use it on that cat."""

    def pick(inventory: Any) -> None:
        items = records_of(inventory, "items")
        if not items:
            screen.notify(
                "Your inventory is empty: buy something in the store (w).", severity="warning"
            )
            return
        options = tuple(
            (str(i.get("name") or i.get("item_id")), str(i.get("item_id") or i.get("id")))
            for i in items
        )
        dialog = FormDialog("Use an item", [FormField("item_id", "Item", choices=options)], "Use")
        screen.app.push_screen(
            dialog,
            lambda values: (
                ask_cat_and_use(screen, [], values, done, cat_id=cat_id) if values else None
            ),
        )

    screen.call(screen.api.inventory(), pick)
