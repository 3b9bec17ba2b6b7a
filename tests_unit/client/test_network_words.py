"""A network failure in words (real requests exceptions, raised by real connections)."""

import socket

import pytest
import requests

from shipstation.network import cause, root, unreached


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_names_the_address_and_the_cause():
    port = _closed_port()
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get("http://127.0.0.1:%d/orders?page=1" % port, timeout=2)
    text = unreached("http://127.0.0.1:%d/orders?page=1" % port, info.value)
    assert text == (
        "Could not reach http://127.0.0.1:%d: the connection was refused (nothing answers at that address and port)"
        % port
    )


def test_a_read_timeout_says_so():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = "http://127.0.0.1:%d/" % listener.getsockname()[1]
        with pytest.raises(requests.exceptions.ReadTimeout) as info:
            requests.get(url, timeout=0.2)  # accepted by the backlog, never answered
    assert cause(info.value) == "the server took too long to answer"


def test_root_keeps_no_path_query_nor_credentials():
    assert root("https://user:secret@ssapi.shipstation.com/orders?x=1") == "https://ssapi.shipstation.com"
    assert root("http://127.0.0.1:8765/v2/shipments") == "http://127.0.0.1:8765"
    assert root("not a url") == "not a url"


def test_an_unknown_cause_keeps_its_words_without_object_addresses():
    inner = OSError("<urllib3.connection.HTTPConnection object at 0x7f00>: something odd")
    outer = requests.exceptions.ConnectionError(inner)
    assert "0x7f00" not in cause(outer)
