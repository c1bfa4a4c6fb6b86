# Voila reads voila.py, not jupyter_server_config.py: apply the same websocket setting (see that file).
from pathlib import Path

exec(compile((Path(__file__).parent / "jupyter_server_config.py").read_text(), "jupyter_server_config.py", "exec"))
