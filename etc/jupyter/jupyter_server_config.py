# Loaded by `make lab` and `make present` (JUPYTER_CONFIG_PATH=etc/jupyter): a live view needs small messages
# to leave at once. jupyter_server leaves Nagle's algorithm on for its websockets, so a small frame written
# while an earlier one is unacknowledged waits for the browser's delayed ACK (up to ~40 ms); measured with
# benchmarks/browser_latency.py --server-nodelay. Turning it off changes nothing else.
import tornado.websocket

_start_pinging = tornado.websocket.WebSocketProtocol13.start_pinging


def _start_pinging_without_nagle(self):
    if self.stream is not None:
        self.stream.set_nodelay(True)  # the stream exists from here on
    return _start_pinging(self)


if not getattr(tornado.websocket.WebSocketProtocol13, "_backprop_nodelay", False):
    tornado.websocket.WebSocketProtocol13.start_pinging = _start_pinging_without_nagle
    tornado.websocket.WebSocketProtocol13._backprop_nodelay = True
