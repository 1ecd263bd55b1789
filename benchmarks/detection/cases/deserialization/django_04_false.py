import pickle

from django.http import JsonResponse

DEFAULT_STATE = pickle.dumps({"items": []})


def restore(request):
    blob = request.body
    blob = DEFAULT_STATE
    state = pickle.loads(blob)
    return JsonResponse({"keys": sorted(state)})
