"""``make bench``'s rooms: the bulk fill, and the room its two pages are measured with."""

from __future__ import annotations

from rooms.bench import bench_room, fill_rooms
from rooms.models import Room, RoomEvent
from tests.factories import AccountFactory, ProspectFactory


def test_the_bench_fills_rooms_and_measures_a_furnished_one(client, rep):
    accounts = [AccountFactory(owner=rep) for _ in range(4)]
    for account in accounts:
        ProspectFactory.create_batch(3, owner=rep, account=account)
    fill_rooms(rooms=2, events=5)
    assert Room.objects.count() == 2 and RoomEvent.objects.count() == 10
    ctx = bench_room(rep, besides_account=accounts[0].pk)
    again = bench_room(rep, besides_account=accounts[0].pk)
    assert ctx["room_account"] == again["room_account"] != accounts[0].pk
    assert client.get(f"/room/{ctx['room_token']}/").status_code == 410, "a new link each run"
    page = client.get(f"/room/{again['room_token']}/")
    assert page.status_code == 200 and "Bench question 7?" in page.text
    client.force_login(rep)
    page = client.get(f"/prospects/accounts/{again['room_account']}/")
    assert "opened “Bench step" in page.text
