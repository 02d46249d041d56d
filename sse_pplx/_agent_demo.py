"""The agent run that ``python -m sse_pplx --agent`` replays when it has no API key (or with ``--demo``).

A recording written for this project, consistent with ``shared/reference/agent-responses-wire.md``
(§3.1 the Perplexity event catalogue, §4 citations and sources, §9.1 the example run): a
Perplexity Agent API stream with ``event:`` lines (as perplexity-py#53 shows them), one
search with its queries, three results and a fetched page, 96 text deltas with ``[web:N]``
markers and non-ASCII text, and ``response.completed`` carrying the whole output and usage
with its cost.  Invented ids and URLs.  It is bundled so that an installed or vendored copy of
the package can replay it; the replay serves one read per event with the delays below.
"""

from __future__ import annotations

QUESTION = "Why are there two high tides a day?"
PRESET = "pro-search"

DATA = (
    b'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_8e2f41c0-demo","object":"response","created_at":1783200000,"model":"openai/gpt-5.5","status":"in_progress","output":[]},"sequence_number":0}\n\n'
    b'event: response.in_progress\ndata: {"type":"response.in_progress","response":{"id":"resp_8e2f41c0-demo","object":"response","created_at":1783200000,"model":"openai/gpt-5.5","status":"in_progress","output":[]},"sequence_number":1}\n\n'
    b'event: response.reasoning.started\ndata: {"type":"response.reasoning.started","thought":"Looking up how the Moon raises two tidal bulges.","sequence_number":2}\n\n'
    b'event: response.reasoning.search_queries\ndata: {"type":"response.reasoning.search_queries","queries":["why two high tides a day","tidal bulge far side of Earth"],"sequence_number":3}\n\n'
    b'event: response.reasoning.search_results\ndata: {"type":"response.reasoning.search_results","results":[{"id":1,"url":"https://oceanservice.example.gov/tides/two-bulges","title":"Why are there two high tides a day?","snippet":"The Moon\'s gravity pulls the ocean toward it on the near side; on the far side, inertia leaves a second bulge.","date":"2025-09-14","last_updated":"2026-02-03","source":"web"},{"id":2,"url":"https://physics.example.edu/notes/tidal-forces","title":"Tidal forces explained","snippet":"The tidal force is the difference between the Moon\'s pull on Earth\'s near side and its far side.","date":"2024-11-30","last_updated":null,"source":"web"},{"id":3,"url":"https://maree.example.fr/vive-eau","title":"Mar\xc3\xa9es de vive-eau et de morte-eau","snippet":"Lorsque le Soleil et la Lune sont align\xc3\xa9s, les mar\xc3\xa9es sont plus fortes.","date":"2026-01-08","last_updated":"2026-01-09","source":"web"}],"sequence_number":4}\n\n'
    b'event: response.reasoning.fetch_url_queries\ndata: {"type":"response.reasoning.fetch_url_queries","urls":["https://oceanservice.example.gov/tides/two-bulges"],"sequence_number":5}\n\n'
    b'event: response.reasoning.fetch_url_results\ndata: {"type":"response.reasoning.fetch_url_results","contents":[{"url":"https://oceanservice.example.gov/tides/two-bulges","title":"Why are there two high tides a day?","snippet":"On the side of Earth facing away from the Moon, the Moon\'s pull is weaker\xe2\x80\xa6"}],"sequence_number":6}\n\n'
    b'event: response.reasoning.stopped\ndata: {"type":"response.reasoning.stopped","sequence_number":7}\n\n'
    b'event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":1,"item":{"type":"message","id":"msg_4b7d","role":"assistant","status":"in_progress","content":[]},"sequence_number":8}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":"Earth","sequence_number":9}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" has","sequence_number":10}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" two","sequence_number":11}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" tidal","sequence_number":12}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" bulges","sequence_number":13}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" at","sequence_number":14}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" once","sequence_number":15}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" \xe2\x80\x94","sequence_number":16}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" one","sequence_number":17}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" facing","sequence_number":18}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":19}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Moon","sequence_number":20}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" and","sequence_number":21}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" one","sequence_number":22}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" on","sequence_number":23}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":24}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" opposite","sequence_number":25}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" side","sequence_number":26}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" [web:1]","sequence_number":27}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":".","sequence_number":28}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" The","sequence_number":29}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Moon\'s","sequence_number":30}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" pull","sequence_number":31}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" is","sequence_number":32}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" strongest","sequence_number":33}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" on","sequence_number":34}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":35}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" near","sequence_number":36}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" side","sequence_number":37}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" and","sequence_number":38}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" weakest","sequence_number":39}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" on","sequence_number":40}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":41}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" far","sequence_number":42}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" side","sequence_number":43}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":",","sequence_number":44}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" so","sequence_number":45}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":46}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" ocean","sequence_number":47}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" is","sequence_number":48}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" stretched","sequence_number":49}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" along","sequence_number":50}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":51}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Earth\xe2\x80\x93Moon","sequence_number":52}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" line","sequence_number":53}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" [web:2]","sequence_number":54}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":".","sequence_number":55}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" As","sequence_number":56}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Earth","sequence_number":57}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" rotates","sequence_number":58}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" through","sequence_number":59}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" both","sequence_number":60}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" bulges","sequence_number":61}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" each","sequence_number":62}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" day","sequence_number":63}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":",","sequence_number":64}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" most","sequence_number":65}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" coasts","sequence_number":66}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" see","sequence_number":67}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" two","sequence_number":68}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" high","sequence_number":69}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" tides","sequence_number":70}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" about","sequence_number":71}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" 12","sequence_number":72}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" hours","sequence_number":73}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" 25","sequence_number":74}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" minutes","sequence_number":75}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" apart","sequence_number":76}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" [web:1]","sequence_number":77}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":".","sequence_number":78}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" When","sequence_number":79}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":80}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Sun","sequence_number":81}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" lines","sequence_number":82}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" up","sequence_number":83}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" with","sequence_number":84}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":85}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" Moon","sequence_number":86}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":",","sequence_number":87}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" the","sequence_number":88}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" bulges","sequence_number":89}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" add","sequence_number":90}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" up","sequence_number":91}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" to","sequence_number":92}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" spring","sequence_number":93}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" tides","sequence_number":94}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" (mar\xc3\xa9es","sequence_number":95}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" de","sequence_number":96}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" vive-eau)","sequence_number":97}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":" [web:3]","sequence_number":98}\n\n'
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_4b7d","output_index":1,"content_index":0,"delta":".","sequence_number":99}\n\n'
    b'event: response.output_text.done\ndata: {"type":"response.output_text.done","item_id":"msg_4b7d","output_index":1,"content_index":0,"text":"Earth has two tidal bulges at once \xe2\x80\x94 one facing the Moon and one on the opposite side [web:1]. The Moon\'s pull is strongest on the near side and weakest on the far side, so the ocean is stretched along the Earth\xe2\x80\x93Moon line [web:2]. As Earth rotates through both bulges each day, most coasts see two high tides about 12 hours 25 minutes apart [web:1]. When the Sun lines up with the Moon, the bulges add up to spring tides (mar\xc3\xa9es de vive-eau) [web:3].","sequence_number":100}\n\n'
    b'event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":1,"item":{"type":"message","id":"msg_4b7d","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Earth has two tidal bulges at once \xe2\x80\x94 one facing the Moon and one on the opposite side [web:1]. The Moon\'s pull is strongest on the near side and weakest on the far side, so the ocean is stretched along the Earth\xe2\x80\x93Moon line [web:2]. As Earth rotates through both bulges each day, most coasts see two high tides about 12 hours 25 minutes apart [web:1]. When the Sun lines up with the Moon, the bulges add up to spring tides (mar\xc3\xa9es de vive-eau) [web:3].","annotations":[]}]},"sequence_number":101}\n\n'
    b'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_8e2f41c0-demo","object":"response","created_at":1783200000,"model":"openai/gpt-5.5","status":"completed","output":[{"type":"search_results","queries":["why two high tides a day","tidal bulge far side of Earth"],"results":[{"id":1,"url":"https://oceanservice.example.gov/tides/two-bulges","title":"Why are there two high tides a day?","snippet":"The Moon\'s gravity pulls the ocean toward it on the near side; on the far side, inertia leaves a second bulge.","date":"2025-09-14","last_updated":"2026-02-03","source":"web"},{"id":2,"url":"https://physics.example.edu/notes/tidal-forces","title":"Tidal forces explained","snippet":"The tidal force is the difference between the Moon\'s pull on Earth\'s near side and its far side.","date":"2024-11-30","last_updated":null,"source":"web"},{"id":3,"url":"https://maree.example.fr/vive-eau","title":"Mar\xc3\xa9es de vive-eau et de morte-eau","snippet":"Lorsque le Soleil et la Lune sont align\xc3\xa9s, les mar\xc3\xa9es sont plus fortes.","date":"2026-01-08","last_updated":"2026-01-09","source":"web"}]},{"type":"message","id":"msg_4b7d","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Earth has two tidal bulges at once \xe2\x80\x94 one facing the Moon and one on the opposite side [web:1]. The Moon\'s pull is strongest on the near side and weakest on the far side, so the ocean is stretched along the Earth\xe2\x80\x93Moon line [web:2]. As Earth rotates through both bulges each day, most coasts see two high tides about 12 hours 25 minutes apart [web:1]. When the Sun lines up with the Moon, the bulges add up to spring tides (mar\xc3\xa9es de vive-eau) [web:3].","annotations":[]}]}],"completed_at":1783200011,"error":null,"usage":{"input_tokens":3184,"output_tokens":96,"total_tokens":3280,"input_tokens_details":{"cache_read_input_tokens":1536},"tool_calls_details":{"search_web":{"invocation":1},"fetch_url":{"invocation":1}},"cost":{"currency":"USD","input_cost":0.00398,"output_cost":0.00096,"tool_calls_cost":0.006,"total_cost":0.01094}}},"sequence_number":102}\n\n'
)

# The read sizes (bytes) and the delay before each read (milliseconds).
CHUNKS = (
    222,
    230,
    160,
    184,
    931,
    180,
    327,
    99,
    213,
    171,
    171,
    171,
    173,
    174,
    170,
    172,
    171,
    171,
    174,
    171,
    172,
    171,
    171,
    170,
    171,
    176,
    172,
    175,
    168,
    171,
    174,
    172,
    170,
    177,
    170,
    171,
    172,
    172,
    171,
    175,
    170,
    171,
    171,
    172,
    168,
    170,
    171,
    173,
    170,
    177,
    173,
    171,
    180,
    172,
    175,
    168,
    170,
    173,
    175,
    175,
    172,
    174,
    172,
    171,
    168,
    172,
    174,
    171,
    171,
    172,
    173,
    173,
    170,
    173,
    170,
    175,
    173,
    175,
    168,
    172,
    171,
    171,
    173,
    170,
    172,
    171,
    172,
    168,
    171,
    174,
    171,
    170,
    170,
    174,
    173,
    176,
    170,
    177,
    175,
    168,
    620,
    715,
    2092,
)
DELAYS_MS = (
    420.0,
    0.3,
    0.3,
    650.0,
    1300.0,
    0.3,
    900.0,
    400.0,
    0.3,
    24.7,
    19.5,
    34.5,
    17.2,
    31.1,
    26.0,
    16.7,
    30.2,
    16.1,
    28.0,
    17.1,
    17.7,
    27.7,
    39.8,
    18.7,
    21.7,
    33.8,
    43.4,
    32.3,
    26.9,
    44.3,
    16.4,
    40.8,
    23.7,
    19.3,
    18.5,
    24.3,
    39.5,
    20.4,
    32.4,
    34.2,
    26.2,
    31.4,
    16.9,
    16.8,
    21.2,
    35.4,
    27.8,
    24.4,
    32.6,
    28.6,
    24.0,
    38.8,
    36.0,
    22.3,
    32.2,
    30.8,
    41.3,
    36.9,
    23.6,
    44.4,
    18.5,
    27.5,
    37.7,
    19.6,
    29.7,
    16.2,
    35.0,
    37.9,
    32.2,
    41.3,
    24.4,
    35.9,
    32.8,
    32.4,
    28.7,
    40.2,
    43.3,
    29.2,
    34.9,
    16.8,
    36.0,
    34.4,
    44.8,
    39.7,
    23.5,
    26.6,
    35.1,
    15.7,
    28.9,
    20.0,
    18.5,
    16.8,
    38.0,
    18.9,
    22.4,
    26.7,
    41.1,
    17.4,
    28.5,
    31.5,
    0.3,
    0.3,
    60.0,
)
